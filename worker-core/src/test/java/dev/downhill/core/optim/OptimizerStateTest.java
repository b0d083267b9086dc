package dev.downhill.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

class OptimizerStateTest {

    private static OptimizerState sample() {
        OptimizerState s = new OptimizerState(new double[] {1.0, -2.0, 3.5}, 4.25, new double[] {0.5, 0.25, -1.0});
        s.setIteration(12);
        s.addEvaluations(20);
        s.setLastStepSize(0.125);
        s.putVector("m", new double[] {0.1, 0.2, 0.3});
        s.putVector("v", new double[] {1.0, 2.0, 3.0});
        return s;
    }

    @Test
    void copyEqualsTheOriginal() {
        OptimizerState original = sample();
        OptimizerState copy = original.copy();
        assertEquals(original, copy);
        assertEquals(original.hashCode(), copy.hashCode());
        assertEquals(21L, copy.evaluations());
        assertEquals(12L, copy.iteration());
        assertEquals(0.125, copy.lastStepSize(), 0.0);
        assertNotSame(original.x(), copy.x());
        assertNotSame(original.gradient(), copy.gradient());
        assertNotSame(original.vector("m"), copy.vector("m"));
    }

    @Test
    void mutatingTheCopyLeavesTheOriginalUnchanged() {
        OptimizerState original = sample();
        OptimizerState pristine = sample();
        OptimizerState copy = original.copy();
        copy.x()[0] = 99.0;
        copy.gradient()[1] = 99.0;
        copy.vector("m")[2] = 99.0;
        copy.putVector("extra", new double[] {1.0});
        copy.setValue(-1.0);
        copy.setIteration(13);
        copy.addEvaluations(1);
        copy.setLastStepSize(1.0);
        assertEquals(pristine, original);
        assertArrayEquals(new double[] {1.0, -2.0, 3.5}, original.x(), 0.0);
        assertArrayEquals(new double[] {0.1, 0.2, 0.3}, original.vector("m"), 0.0);
        assertEquals(null, original.vector("extra"));
        assertNotEquals(original, copy);
    }

    @Test
    void equalityNoticesEachField() {
        OptimizerState base = sample();
        OptimizerState s;
        s = sample();
        s.x()[2] = 0.0;
        assertNotEquals(base, s);
        s = sample();
        s.setValue(4.0);
        assertNotEquals(base, s);
        s = sample();
        s.addEvaluations(1);
        assertNotEquals(base, s);
        s = sample();
        s.setLastStepSize(0.25);
        assertNotEquals(base, s);
        s = sample();
        s.vector("v")[0] = -1.0;
        assertNotEquals(base, s);
    }

    @Test
    void serializedAndReadBackStateIsEqual() throws Exception {
        OptimizerState original = sample();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(original);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(original, in.readObject());
        }
    }

    @Test
    void pointAndGradientMustHaveTheSameLength() {
        assertThrows(IllegalArgumentException.class, () -> new OptimizerState(new double[2], 0.0, new double[3]));
    }
}
