package dev.downhill.driver.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.driver.settings.Setting;
import dev.downhill.driver.settings.SettingsException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The builder against the settings registry: every builder method is a train setting of the same name, every
 * train setting has a builder method, and values are checked by the command line's code (no Spark needed).
 */
class DownhillBuilderTest {

    @Test
    void everyTrainSettingHasABuilderMethodOfItsName() {
        Map<String, Setting> train = Downhill.trainSettings();
        List<String> builder = Downhill.builderKeys();
        for (String key : builder) {
            assertTrue(train.containsKey(key), "builder method for " + key + ", which is not a train setting");
        }
        List<String> missing = new ArrayList<>();
        for (String key : train.keySet()) {
            if (!builder.contains(key) && !Downhill.NOT_SETTABLE.contains(key)) {
                missing.add(key);
            }
        }
        assertEquals(List.of(), missing, "train settings without a method in Downhill.Builder (add one named"
                + " after the setting in camel case, calling set(key, value))");
    }

    @Test
    void kebabCaseOfMethodNames() {
        assertEquals("max-iter", Downhill.kebab("maxIter"));
        assertEquals("l2", Downhill.kebab("l2"));
        assertEquals("max-bad-fraction", Downhill.kebab("maxBadFraction"));
    }

    @Test
    void valuesAreCheckedWhenSetAsTheCommandLineChecksThem() {
        assertTrue(assertThrows(SettingsException.class, () -> Downhill.builder().l2(-1.0)).getMessage()
                .contains("--l2 '-1.0' is not valid: expected a number in [0, inf)"));
        assertTrue(assertThrows(SettingsException.class, () -> Downhill.builder().objective("logit")).getMessage()
                .contains("--objective 'logit' is not valid"));
        assertTrue(assertThrows(SettingsException.class, () -> Downhill.builder().set("max-iters", "3"))
                .getMessage().contains("did you mean --max-iter"));
        assertTrue(assertThrows(SettingsException.class, () -> Downhill.builder().set("output-format", "csv"))
                .getMessage().contains("--output-format does not apply to train"));
        assertTrue(assertThrows(SettingsException.class, () -> Downhill.builder().set("master", "local"))
                .getMessage().contains("the caller's Spark session"));
        assertTrue(assertThrows(SettingsException.class, () -> Downhill.builder().l2(0.1).build()).getMessage()
                .contains("--objective is required"));
        assertTrue(assertThrows(SettingsException.class, () -> Downhill.builder().objective("least-squares")
                .numClasses(3).build()).getMessage().contains("--num-classes applies to --objective softmax only"));
        Downhill d = Downhill.builder().objective("softmax").maxIter(7).featureColumns("a", "b").build();
        assertEquals(Map.of("objective", "softmax", "max-iter", "7", "feature-columns", "a,b"), d.settings());
    }
}
