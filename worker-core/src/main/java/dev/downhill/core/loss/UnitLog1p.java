package dev.downhill.core.loss;

/**
 * log(1 + x) for 0 &lt;= x &lt;= 1, the bits of {@link StrictMath#log1p} (and so of {@link Math#log1p}, which
 * delegates to it): fdlibm 5.3's s_log1p.c (Sun Microsystems, 1993: "Permission to use, copy, modify, and
 * distribute this software is freely granted, provided that this notice is preserved"), transcribed for this
 * range. On JDK 17 StrictMath.log1p is a native call, about 20 ns, which was a seventh of a logistic
 * iteration's time per row; this plain Java is a few ns and inlines.
 *
 * <p>Method (fdlibm): 1 + x = 2^k (1 + f) with sqrt(2)/2 &lt; 1 + f &lt; sqrt(2) and a correction c for the
 * rounding of 1 + x; with s = f / (2 + f), log(1 + f) = f - (hfsq - s (hfsq + R(s^2))), hfsq = f^2 / 2 and R a
 * degree-7 polynomial in s^2 (Remez, error below 2^-58.45); log(1 + x) = k ln2_hi + (k ln2_lo + c + that).
 * Arguments outside [0, 1] (or NaN) go to {@link Math#log1p}.
 */
final class UnitLog1p {
    private UnitLog1p() {}

    private static final double LN2_HI = 6.93147180369123816490e-01; // 3fe62e42 fee00000
    private static final double LN2_LO = 1.90821492927058770002e-10; // 3dea39ef 35793c76
    private static final double LP1 = 6.666666666666735130e-01; // 3FE55555 55555593
    private static final double LP2 = 3.999999999940941908e-01; // 3FD99999 9997FA04
    private static final double LP3 = 2.857142874366239149e-01; // 3FD24924 94229359
    private static final double LP4 = 2.222219843214978396e-01; // 3FCC71C5 1D8E78AF
    private static final double LP5 = 1.818357216161805012e-01; // 3FC74664 96CB03DE
    private static final double LP6 = 1.531383769920937332e-01; // 3FC39A09 D078C69F
    private static final double LP7 = 1.479819860511658591e-01; // 3FC2F112 DF3E5244

    static double log1p(double x) {
        if (!(x >= 0.0 && x <= 1.0)) {
            return Math.log1p(x);
        }
        final int hx = (int) (Double.doubleToRawLongBits(x) >>> 32);
        int k;
        int hu;
        double f;
        double c = 0.0;
        if (hx < 0x3FDA827A) { // x < 0.41422: no reduction
            if (hx < 0x3e200000) { // x < 2^-29
                return hx < 0x3c900000 ? x : x - x * x * 0.5;
            }
            k = 0;
            f = x;
            hu = 1;
        } else {
            double u = 1.0 + x;
            long bits = Double.doubleToRawLongBits(u);
            hu = (int) (bits >>> 32);
            k = (hu >> 20) - 1023;
            c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0); // the rounding error of 1 + x
            c /= u;
            hu &= 0x000fffff;
            if (hu < 0x6a09e) { // u's mantissa below sqrt(2): normalize u
                u = Double.longBitsToDouble(((long) (hu | 0x3ff00000) << 32) | (bits & 0xffffffffL));
            } else { // normalize u / 2
                k += 1;
                u = Double.longBitsToDouble(((long) (hu | 0x3fe00000) << 32) | (bits & 0xffffffffL));
                hu = (0x00100000 - hu) >> 2;
            }
            f = u - 1.0;
        }
        final double hfsq = 0.5 * f * f;
        if (hu == 0) { // |f| < 2^-20
            if (f == 0.0) {
                if (k == 0) {
                    return 0.0;
                }
                c += k * LN2_LO;
                return k * LN2_HI + c;
            }
            double r = hfsq * (1.0 - 0.66666666666666666 * f);
            return k == 0 ? f - r : k * LN2_HI - ((r - (k * LN2_LO + c)) - f);
        }
        final double s = f / (2.0 + f);
        final double z = s * s;
        final double r = z * (LP1 + z * (LP2 + z * (LP3 + z * (LP4 + z * (LP5 + z * (LP6 + z * LP7))))));
        return k == 0 ? f - (hfsq - s * (hfsq + r)) : k * LN2_HI - ((hfsq - (s * (hfsq + r) + (k * LN2_LO + c))) - f);
    }
}
