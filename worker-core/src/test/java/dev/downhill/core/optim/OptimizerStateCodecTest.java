package dev.downhill.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** writeTo/readFrom keep every bit, so a checkpointed run continues exactly. */
class OptimizerStateCodecTest {

    private static final double NAN_WITH_PAYLOAD = Double.longBitsToDouble(0x7ff8_dead_beef_0001L);

    @Test
    void everyDoubleKeepsItsBitsIncludingNaNPayloadsAndNegativeZero() throws IOException {
        OptimizerState s = new OptimizerState(new double[] {-0.0, NAN_WITH_PAYLOAD, Double.MIN_VALUE}, NAN_WITH_PAYLOAD,
                new double[] {1.0, -0.0, Double.NEGATIVE_INFINITY});
        s.setIteration(41);
        s.addEvaluations(7);
        s.setLastStepSize(-0.0);
        s.putVector("rule.m", new double[] {NAN_WITH_PAYLOAD});
        s.putScalar("rule.rng", NAN_WITH_PAYLOAD); // 64 RNG bits stored as a double may look like a NaN
        s.putScalar("stop.rises", 3);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        s.writeTo(new DataOutputStream(bytes));
        OptimizerState back = OptimizerState.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())),
                100);
        assertEquals(s, back);
        assertEquals(0x7ff8_dead_beef_0001L, Double.doubleToRawLongBits(back.scalar("rule.rng", 0)));
        assertEquals(0x7ff8_dead_beef_0001L, Double.doubleToRawLongBits(back.value()));
        assertEquals(0x7ff8_dead_beef_0001L, Double.doubleToRawLongBits(back.x()[1]));
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(back.lastStepSize()));
    }
}
