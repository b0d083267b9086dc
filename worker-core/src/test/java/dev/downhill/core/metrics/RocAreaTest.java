package dev.downhill.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RocAreaTest {

    /** Per distinct score, highest first: {positive weight, negative weight}. */
    private static List<double[]> groups(double[] scores, boolean[] positive, double[] weights) {
        TreeMap<Double, double[]> byScore = new TreeMap<>(java.util.Comparator.reverseOrder());
        for (int i = 0; i < scores.length; i++) {
            double[] g = byScore.computeIfAbsent(scores[i], s -> new double[2]);
            g[positive[i] ? 0 : 1] += weights == null ? 1.0 : weights[i];
        }
        return new ArrayList<>(byScore.values());
    }

    private static RocArea area(List<double[]> groups) {
        RocArea a = new RocArea();
        for (double[] g : groups) {
            a.addGroup(g[0], g[1]);
        }
        return a;
    }

    /** The definition: over all (positive, negative) pairs, 1 if the positive scores higher, 1/2 on a tie. */
    private static double pairwise(double[] scores, boolean[] positive) {
        double sum = 0;
        long pairs = 0;
        for (int i = 0; i < scores.length; i++) {
            for (int j = 0; j < scores.length; j++) {
                if (positive[i] && !positive[j]) {
                    pairs++;
                    sum += scores[i] > scores[j] ? 1.0 : scores[i] == scores[j] ? 0.5 : 0.0;
                }
            }
        }
        return sum / pairs;
    }

    @Test
    void fiveRowsWithATieWorkedOutByHand() {
        double[] s = {0.9, 0.8, 0.8, 0.3, 0.1};
        boolean[] pos = {true, false, true, false, true};
        // Pairs: 0.9 beats both negatives (2), the tied 0.8 pair counts 1/2, 0.8 beats 0.3 (1), 0.1 beats none.
        assertEquals(3.5 / 6, area(groups(s, pos, null)).auc(), 1e-15);
    }

    @Test
    void equalsThePairwiseDefinitionOnDataWithManyTies() {
        Random rnd = new Random(10);
        for (int trial = 0; trial < 20; trial++) {
            int n = 50 + rnd.nextInt(150);
            double[] s = new double[n];
            boolean[] pos = new boolean[n];
            for (int i = 0; i < n; i++) {
                s[i] = rnd.nextInt(1 + trial * 3) / 7.0; // trial 0: every score tied
                pos[i] = rnd.nextDouble() < 0.3 + 0.02 * trial;
            }
            RocArea a = area(groups(s, pos, null));
            assertEquals(pairwise(s, pos), a.auc(), 1e-15, "trial " + trial);
        }
    }

    @Test
    void segmentsAppendedInScoreOrderEqualTheWhole() {
        Random rnd = new Random(11);
        int n = 400;
        double[] s = new double[n];
        boolean[] pos = new boolean[n];
        for (int i = 0; i < n; i++) {
            s[i] = rnd.nextInt(60);
            pos[i] = rnd.nextBoolean();
        }
        List<double[]> groups = groups(s, pos, null);
        RocArea whole = area(groups);
        for (int[] cuts : new int[][] {{1}, {10, 11, 30}, {5, 20, 40, 55}}) {
            RocArea merged = new RocArea();
            int from = 0;
            for (int c = 0; c <= cuts.length; c++) {
                int to = c < cuts.length ? cuts[c] : groups.size();
                merged.append(area(groups.subList(from, to)));
                from = to;
            }
            // Unit weights: every partial sum is a multiple of 1/2, so the result is exact.
            assertEquals(whole.auc(), merged.auc());
            assertEquals(whole.positives(), merged.positives());
        }
    }

    @Test
    void aWeightCountsLikeRepeatedRows() {
        double[] s = {0.9, 0.8, 0.8, 0.3, 0.1};
        boolean[] pos = {true, false, true, false, true};
        double[] w = {1, 3, 1, 1, 2};
        double[] s2 = {0.9, 0.8, 0.8, 0.8, 0.8, 0.3, 0.1, 0.1};
        boolean[] pos2 = {true, false, false, false, true, false, true, true};
        assertEquals(pairwise(s2, pos2), area(groups(s, pos, w)).auc(), 1e-15);
    }

    @Test
    void oneClassOnlyHasNoArea() {
        RocArea a = new RocArea();
        a.addGroup(3, 0);
        a.addGroup(1, 0);
        assertTrue(Double.isNaN(a.auc()));
        assertTrue(Double.isNaN(new RocArea().auc()));
    }
}
