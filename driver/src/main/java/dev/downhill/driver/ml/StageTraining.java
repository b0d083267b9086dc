package dev.downhill.driver.ml;

import dev.downhill.driver.api.Downhill;
import dev.downhill.driver.settings.SettingsException;

/** The Spark ML stages' Params as Downhill's train settings (through the Java API's builder). */
final class StageTraining {
    private StageTraining() {}

    /** regParam and elasticNetParam alpha split as Spark ML splits them: l1 = alpha lambda, l2 = (1 - alpha) lambda. */
    static Downhill.Builder builder(String objective, int maxIter, double regParam, double elasticNet, double tol,
                                    String labelCol,
                                    String featuresCol, String weightCol, int partitions, String extraSettings,
                                    String outputDir, boolean eitherBinaryLabels, int[] hiddenLayers,
                                    String activation) {
        Downhill.Builder b = Downhill.builder()
                .objective(objective)
                .maxIter(maxIter)
                .l2((1 - elasticNet) * regParam)
                .l1(elasticNet * regParam)
                .tol(tol)
                .labelColumn(labelCol)
                .featuresColumn(featuresCol)
                .quiet();
        if (eitherBinaryLabels) {
            b.binaryLabels("auto"); // 0/1 as Spark ML has them, or -1/+1
        }
        if (hiddenLayers != null && hiddenLayers.length > 0) {
            b.model("mlp").hidden(hiddenLayers).activation(activation);
        }
        if (!weightCol.isEmpty()) {
            b.weightColumn(weightCol);
        }
        if (partitions > 0) {
            b.partitions(partitions);
        }
        if (!outputDir.isEmpty()) {
            b.output(outputDir);
        }
        for (String pair : extraSettings.trim().split("\\s+")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new SettingsException("downhillSettings '" + extraSettings + "': expected key=value pairs"
                        + " separated by spaces, got '" + pair + "'.");
            }
            b.set(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return b;
    }
}
