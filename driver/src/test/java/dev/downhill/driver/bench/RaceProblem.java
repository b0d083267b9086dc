package dev.downhill.driver.bench;

import dev.downhill.core.loss.Objective;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A seeded problem of the optimizer race whose conditioning is set by construction, written as CSV text
 * (label first) that Downhill's loader reads like any user's file.
 *
 * <p>Row i is a pure function of (seed, i): z ~ N(0, I_d), t = z S Q with S = diag(s_k) and Q a seeded random
 * orthogonal matrix, so Cov(t) = Q^T S^2 Q has the eigenvalues s_k^2 and condition number
 * {@link #covarianceCondition} while no feature is a multiple of another (standardization cannot undo it). The
 * {@link Spectrum} says how the s_k^2 spread: NEAR_COLLINEAR is the common case of real data (a bulk within one
 * decade and a tenth of the directions nearly dependent: s^2 between 1/kappa and 10/kappa), GEOMETRIC spreads all
 * d of them evenly on a log scale from 1 to 1/kappa, the hard case for L-BFGS's short memory. Each t_j is rounded
 * to 1e-6 (q_j = round(10^6 t_j)); the feature written is x_j = q_j m_j 10^(e_j - 6) with m_j in 1..9 and e_j an
 * integer spread over {@link #scaleDecades} decades, so the features are also badly scaled (standardization undoes
 * that part). The true margin is z* = b* + sum_j beta_j q_j 10^-6 with seeded beta scaled to Var(z*) = 4:
 * logistic labels are 1 when z* + standard logistic noise > 0, else 0; least-squares labels are z* +
 * {@link #noise} N(0, 1), rounded to 1e-6. The text is exact decimal (integer mantissa, power-of-ten exponent),
 * so every reader parses the same doubles.
 */
final class RaceProblem implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final long GOLDEN = 0x9e3779b97f4a7c15L;
    private static final double INTERCEPT = 0.5;

    final String name;
    final Objective objective;
    final double l2;
    final int numFeatures;
    final double covarianceCondition;
    final Spectrum spectrum;
    final int scaleDecades;
    final double noise;
    final long seed;
    /** The softmax problem's rows ({@link ImageRows}); null for the others. */
    final ImageRows images;
    /** The softmax problem's images are 28 x 28: 784 features, as the image data. */
    static final int IMAGE_SIDE = 28;
    /** Row k = s_k Q_k: t = z M. Built on first use in each JVM, never shipped. */
    private transient double[][] mixing;
    private transient double[] beta;
    private transient int[] mantissa;
    private transient int[] exponent;

    /** How the eigenvalues of Cov(t) spread between 1 and 1/kappa. */
    enum Spectrum { NEAR_COLLINEAR, GEOMETRIC }

    RaceProblem(String name, Objective objective, double l2, int numFeatures, double covarianceCondition,
                Spectrum spectrum, int scaleDecades, double noise, long seed) {
        if (objective != Objective.LOGISTIC && objective != Objective.LEAST_SQUARES
                && objective != Objective.SOFTMAX) {
            throw new IllegalArgumentException("the race has logistic, least-squares and softmax problems, not "
                    + objective);
        }
        this.name = name;
        this.objective = objective;
        this.l2 = l2;
        this.numFeatures = numFeatures;
        this.covarianceCondition = covarianceCondition;
        this.spectrum = spectrum;
        this.scaleDecades = scaleDecades;
        this.noise = noise;
        this.seed = seed;
        this.images = objective == Objective.SOFTMAX ? new ImageRows(seed, IMAGE_SIDE) : null;
    }

    /** The problems the race knows, by name. */
    static final List<String> NAMES = List.of("logistic", "least-squares", "logistic-ill", "least-squares-spread",
            "softmax-image");

    /**
     * logistic: L2 1e-4, geometric spectrum, condition 1e3, features over 2 decades. least-squares: no penalty,
     * near-collinear, condition 1e5, 4 decades, noise 0.5. logistic-ill: L2 1e-6, near-collinear, condition 1e5,
     * 4 decades. least-squares-spread: least-squares with the geometric spectrum. softmax-image: 10 classes of
     * 28 x 28 correlated image-like rows ({@link ImageRows}: 784 features, about half zeros; --race-features does
     * not apply), L2 1e-4.
     */
    static RaceProblem named(String name, int numFeatures, long seed) {
        return switch (name) {
            case "logistic" -> new RaceProblem(name, Objective.LOGISTIC, 1e-4, numFeatures, 1e3, Spectrum.GEOMETRIC,
                    2, 0, seed);
            case "least-squares" -> new RaceProblem(name, Objective.LEAST_SQUARES, 0.0, numFeatures, 1e5,
                    Spectrum.NEAR_COLLINEAR, 4, 0.5, seed + 1);
            case "logistic-ill" -> new RaceProblem(name, Objective.LOGISTIC, 1e-6, numFeatures, 1e5,
                    Spectrum.NEAR_COLLINEAR, 4, 0, seed + 2);
            case "least-squares-spread" -> new RaceProblem(name, Objective.LEAST_SQUARES, 0.0, numFeatures, 1e5,
                    Spectrum.GEOMETRIC, 4, 0.5, seed + 3);
            case "softmax-image" -> new RaceProblem(name, Objective.SOFTMAX, 1e-4, IMAGE_SIDE * IMAGE_SIDE, Double.NaN,
                    Spectrum.GEOMETRIC, 0, 0, seed + 4);
            default -> throw new IllegalArgumentException("unknown problem '" + name + "', not one of " + NAMES);
        };
    }

    String describe() {
        if (images != null) {
            return String.format(Locale.ROOT, "softmax, l2 %s; %d classes of %d x %d image-like rows (templates plus"
                    + " a 1/f random field, clipped at 0: about half zeros, neighbouring pixels correlated)", l2,
                    ImageRows.CLASSES, IMAGE_SIDE, IMAGE_SIDE);
        }
        return String.format(Locale.ROOT, "%s, l2 %s; features: Cov condition %.0e by construction (%s spectrum),"
                        + " scales over %d decades", objective.cliName(), l2, covarianceCondition,
                spectrum.name().toLowerCase(Locale.ROOT).replace('_', '-'), scaleDecades);
    }

    /**
     * The text format of the rows: libsvm for the image problem (its zeros left out, as sparse data is stored; a
     * dense CSV row of 784 values would count as 784 stored values, above what train's auto whitens), else csv.
     */
    String format() {
        return images != null ? "libsvm" : "csv";
    }

    /** The eigenvalues s_k^2 of Cov(t), largest first. */
    double[] covarianceEigenvalues() {
        int d = numFeatures;
        double[] s2 = new double[d];
        if (spectrum == Spectrum.GEOMETRIC || d < 3) {
            for (int k = 0; k < d; k++) {
                s2[k] = d == 1 ? 1.0 : Math.pow(covarianceCondition, -(double) k / (d - 1));
            }
            return s2;
        }
        int small = Math.max(1, Math.round(d / 10f));
        int bulk = d - small;
        for (int k = 0; k < bulk; k++) {
            s2[k] = Math.pow(10, -(double) k / Math.max(1, bulk - 1));
        }
        for (int j = 0; j < small; j++) {
            s2[bulk + j] = Math.pow(10, 1.0 - (double) j / Math.max(1, small - 1)) / covarianceCondition;
        }
        return s2;
    }

    private synchronized void build() {
        if (mixing != null) {
            return;
        }
        int d = numFeatures;
        long state = SyntheticData.mix(seed ^ 0x0bad5eedL);
        // Q: Gram-Schmidt (twice, for orthogonality to rounding) on a seeded Gaussian matrix.
        double[][] q = new double[d][d];
        for (int k = 0; k < d; k++) {
            for (int j = 0; j < d; j++) {
                state += GOLDEN;
                q[k][j] = gaussian(state);
            }
            for (int pass = 0; pass < 2; pass++) {
                for (int prev = 0; prev < k; prev++) {
                    double dot = 0;
                    for (int j = 0; j < d; j++) {
                        dot += q[k][j] * q[prev][j];
                    }
                    for (int j = 0; j < d; j++) {
                        q[k][j] -= dot * q[prev][j];
                    }
                }
                double norm = 0;
                for (int j = 0; j < d; j++) {
                    norm += q[k][j] * q[k][j];
                }
                norm = Math.sqrt(norm);
                for (int j = 0; j < d; j++) {
                    q[k][j] /= norm;
                }
            }
        }
        double[][] m = new double[d][d];
        double[] s2 = covarianceEigenvalues();
        for (int k = 0; k < d; k++) {
            double s = Math.sqrt(s2[k]);
            for (int j = 0; j < d; j++) {
                m[k][j] = s * q[k][j];
            }
        }
        double[] b = new double[d];
        for (int j = 0; j < d; j++) {
            state += GOLDEN;
            b[j] = gaussian(state);
        }
        // Var(beta . t) = sum_k s_k^2 (Q beta)_k^2: scale it to 4.
        double var = 0;
        for (int k = 0; k < d; k++) {
            double qb = 0;
            for (int j = 0; j < d; j++) {
                qb += q[k][j] * b[j];
            }
            var += s2[k] * qb * qb;
        }
        double scale = 2.0 / Math.sqrt(var);
        int[] man = new int[d];
        int[] exp = new int[d];
        for (int j = 0; j < d; j++) {
            b[j] *= scale;
            state += GOLDEN;
            man[j] = 1 + (int) (SyntheticData.unit(SyntheticData.mix(state)) * 9);
            state += GOLDEN;
            exp[j] = (int) Math.floor(SyntheticData.unit(SyntheticData.mix(state)) * (scaleDecades + 1))
                    - scaleDecades / 2;
        }
        beta = b;
        mantissa = man;
        exponent = exp;
        mixing = m;
    }

    /** A standard normal from 64 random bits (Box-Muller on the two halves' uniforms). */
    private static double gaussian(long state) {
        long h = SyntheticData.mix(state);
        double u1 = 1.0 - SyntheticData.unit(h);
        double u2 = SyntheticData.unit(SyntheticData.mix(h ^ 0x2545f4914f6cdd1dL));
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    /** Row i as one CSV line: label, then the d features. */
    String line(long row, StringBuilder sb, double[] z, long[] q) {
        if (images != null) {
            return images.line(row, sb, z);
        }
        build();
        int d = numFeatures;
        long state = SyntheticData.mix(seed * GOLDEN + SyntheticData.mix(row + 1));
        for (int k = 0; k < d; k++) {
            state += GOLDEN;
            z[k] = gaussian(state);
        }
        double margin = INTERCEPT;
        for (int j = 0; j < d; j++) {
            double t = 0;
            for (int k = 0; k < d; k++) {
                t += z[k] * mixing[k][j];
            }
            q[j] = Math.round(t * 1e6);
            margin += beta[j] * (q[j] * 1e-6);
        }
        sb.setLength(0);
        state += GOLDEN;
        if (objective == Objective.LOGISTIC) {
            double u = SyntheticData.unit(SyntheticData.mix(state)) + 0x1.0p-54;
            sb.append(margin + Math.log(u / (1.0 - u)) > 0 ? '1' : '0');
        } else {
            sb.append(Math.round((margin + noise * gaussian(state)) * 1e6)).append("e-6");
        }
        for (int j = 0; j < d; j++) {
            sb.append(',').append(q[j] * mantissa[j]).append('e').append(exponent[j] - 6);
        }
        return sb.toString();
    }

    /** Writes {@code rows} rows as text part files under {@code path} (a folder Spark creates), generated per partition. */
    void write(JavaSparkContext jsc, long rows, int partitions, String path) {
        RaceProblem self = this;
        SparkSide.partitions(jsc, partitions).mapPartitionsWithIndex((p, ignored) -> {
            long from = SyntheticData.partitionStart(rows, partitions, p);
            long to = SyntheticData.partitionStart(rows, partitions, p + 1);
            StringBuilder sb = new StringBuilder();
            double[] z = new double[self.numFeatures];
            long[] q = new long[self.numFeatures];
            return java.util.stream.LongStream.range(from, to).mapToObj(i -> self.line(i, sb, z, q)).iterator();
        }, true).saveAsTextFile(path);
    }
}
