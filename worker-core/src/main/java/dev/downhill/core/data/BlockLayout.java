package dev.downhill.core.data;

/**
 * How {@link BlockBuilder} chooses between a dense and a CSR block.
 *
 * <p>{@link #SMALLEST} is the rule for linear models, whose kernels (dot, axpy) cost about the same per stored
 * value in both layouts, so the smaller layout is also the faster one. A network's first layer multiplies the
 * block by a weight matrix with many outputs (H = X W^T, dW += dZ^T X): there the dense block goes through the
 * register-tiled {@link dev.downhill.core.linalg.Gemm}, several times faster per multiply-add than the CSR
 * kernels, so {@link #FOR_MATRIX_PRODUCTS} keeps blocks dense down to a much lower density. Both layouts give
 * the same values for those products, so the choice changes speed only.
 */
public enum BlockLayout {
    /** Dense when a dense matrix takes no more bytes than CSR (the default; the rule for linear models). */
    SMALLEST,
    /**
     * Dense when at least {@link #MATRIX_PRODUCT_DENSITY} of the values are non-zero: about where the CSR
     * products stop being faster than the dense ones. Measured ({@code LayoutCrossover} in the bench sources;
     * 4096 rows x 784 features, 128 outputs, forward + weight gradient, one thread, AVX-512 Xeon): dense about
     * 55 ms a block at any density, CSR about 250 ms times the density (25 ms at 0.1, 77 at 0.3, 126 at 0.5),
     * float32 and float64 alike; the crossover is near 0.22. Half-zero image data is twice as fast dense.
     */
    FOR_MATRIX_PRODUCTS,
    /** Always dense. */
    DENSE,
    /** Always CSR. */
    SPARSE;

    /** The density from which {@link #FOR_MATRIX_PRODUCTS} stores a block dense. */
    public static final double MATRIX_PRODUCT_DENSITY = 0.2;

    /** Whether a block of rows x features with nnz stored values, b bytes a value, is stored dense. */
    boolean dense(long rows, long features, long nnz, long bytesPerValue) {
        switch (this) {
            case DENSE:
                return true;
            case SPARSE:
                return false;
            case FOR_MATRIX_PRODUCTS:
                return nnz >= MATRIX_PRODUCT_DENSITY * rows * features;
            default:
                return bytesPerValue * rows * features <= (4 + bytesPerValue) * nnz + 4L * (rows + 1);
        }
    }
}
