package dev.downhill.driver.bench;

import java.util.Arrays;

/** Medians and the straight-line fit of the scaling section. */
final class Stats {
    private Stats() {}

    static double median(double[] xs) {
        if (xs.length == 0) {
            return Double.NaN;
        }
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }

    /** The last {@code n} entries. */
    static double[] tail(double[] xs, int n) {
        return Arrays.copyOfRange(xs, Math.max(0, xs.length - n), xs.length);
    }

    /** Least-squares line y = intercept + slope x: {intercept, slope}. */
    static double[] line(double[] x, double[] y) {
        int n = x.length;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i] / n;
            my += y[i] / n;
        }
        double sxx = 0;
        double sxy = 0;
        for (int i = 0; i < n; i++) {
            sxx += (x[i] - mx) * (x[i] - mx);
            sxy += (x[i] - mx) * (y[i] - my);
        }
        double slope = sxx > 0 ? sxy / sxx : Double.NaN;
        return new double[] {my - slope * mx, slope};
    }
}
