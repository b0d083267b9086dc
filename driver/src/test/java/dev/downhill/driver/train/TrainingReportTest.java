package dev.downhill.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The report's parts without Spark: the plot, the round tick step, and escaping. */
class TrainingReportTest {

    @Test
    void nothingPositiveToDrawOnALogScaleMeansNoPlot() throws Exception {
        TrainingReport r = new TrainingReport();
        assertNull(r.plot());
        r.iteration(0, 0.0, 0.0); // hinge can reach exactly 0: nothing a log axis can show
        assertNull(r.plot());
        assertTrue(r.html(false).contains("No iteration to draw."));
    }

    @Test
    void plotIsAPngOfTheChartSize() throws Exception {
        TrainingReport r = new TrainingReport();
        for (int i = 0; i <= 50; i++) {
            r.iteration(i, 1 + Math.exp(-i / 5.0), Math.exp(-i / 5.0));
        }
        byte[] png = r.plot();
        assertNotNull(png);
        var image = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(900, image.getWidth());
        assertEquals(500, image.getHeight());
    }

    @Test
    void tickStepIsOneTwoOrFiveTimesAPowerOfTen() {
        assertEquals(1, TrainingReport.roundStep(0.3));
        assertEquals(2, TrainingReport.roundStep(1.5));
        assertEquals(200, TrainingReport.roundStep(124.9));
        assertEquals(500, TrainingReport.roundStep(201));
        assertEquals(1000, TrainingReport.roundStep(999));
    }

    @Test
    void valuesAreEscaped() {
        TrainingReport r = new TrainingReport();
        r.settings().put("input", "/data/<script>&\"x\".csv");
        String html = r.html(false);
        assertTrue(html.contains("/data/&lt;script&gt;&amp;&quot;x&quot;.csv"), html);
        assertFalse(html.contains("<script>"));
    }
}
