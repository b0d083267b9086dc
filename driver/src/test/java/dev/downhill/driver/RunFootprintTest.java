package dev.downhill.driver;

import static dev.downhill.driver.BadInputHarness.assertSuccess;
import static dev.downhill.driver.BadInputHarness.run;
import static dev.downhill.driver.BadInputHarness.train;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.driver.BadInputHarness.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every metrics.jsonl record carries the bytes its iteration moved and the driver heap's peak, and report.html
 * sums them up (issue #14: the scale bench reads them).
 */
class RunFootprintTest {
    @TempDir
    Path dir;

    @Test
    void metricsAndReportCarryBytesMovedAndTheDriverHeap() throws Exception {
        Path input = TestData.binary(400, 5, 3).writeLibsvm(dir.resolve("data.libsvm"), 0.0);
        Path output = dir.resolve("out");
        Run r = run(train(input, "logistic", output, "--max-iter", "5", "--tol", "0", "--rel-tol", "0", "--f-tol",
                "0", "--optimizer", "lbfgs", "--partitions", "3"));
        assertSuccess(r, output);
        List<String> lines = Files.readAllLines(output.resolve("metrics.jsonl"));
        assertEquals(5, lines.size());
        ObjectMapper json = new ObjectMapper();
        long maxHeap = Runtime.getRuntime().maxMemory();
        for (String line : lines) {
            JsonNode rec = json.readTree(line);
            // Three partitions, each sending its partial gradient (6 doubles and more) to the driver.
            assertTrue(rec.path("taskResultBytes").asLong() >= 3 * 6 * 8, line);
            assertTrue(rec.path("shuffleWriteBytes").asLong() >= 0, line);
            assertEquals(rec.path("shuffleWriteBytes").asLong(), rec.path("shuffleReadBytes").asLong(), line);
            long peak = rec.path("driverHeapPeakBytes").asLong();
            assertTrue(peak > 0 && peak <= maxHeap + (64L << 20), line);
            assertTrue(rec.has("driverHeapLivePeakBytes"), line);
        }
        String html = Files.readString(output.resolve("report.html"));
        assertTrue(html.contains("Driver heap and bytes moved") && html.contains("driver heap peak")
                && html.contains("bytes shuffled per iteration") && html.contains("seconds per iteration"), html);
    }
}
