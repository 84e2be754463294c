using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StreamRnn.Core.LinearAlgebra;

/// <summary>
/// The backward pass's matrix work, one row of W at a time, fused so each row is read once:
/// <c>∂W[j, :] += a_j · v</c> and <c>d += a_j · W[j, :]</c> (the transposed product Wᵀa accumulated row by row).
/// Written out rather than two TensorPrimitives calls per row because the per-call cost dominated at these lengths.
/// </summary>
internal static class OuterProductKernels
{
    /// <summary>
    /// For every row j of <paramref name="matrix"/> (rows × <paramref name="columns"/>, row-major):
    /// <paramref name="matrixGradient"/>[j, :] += a[j]·<paramref name="vector"/> and, unless
    /// <paramref name="transposedProduct"/> is empty, transposedProduct += a[j]·matrix[j, :].
    /// </summary>
    public static void Accumulate(ReadOnlySpan<float> matrix, ReadOnlySpan<float> a, ReadOnlySpan<float> vector, int columns,
        Span<float> matrixGradient, Span<float> transposedProduct)
    {
        int rows = a.Length;
        if (matrix.Length < rows * columns || matrixGradient.Length < rows * columns || vector.Length < columns
            || (!transposedProduct.IsEmpty && transposedProduct.Length < columns))
        {
            throw new ArgumentException("Operand lengths do not match.");
        }

        ref float w = ref MemoryMarshal.GetReference(matrix);
        ref float g = ref MemoryMarshal.GetReference(matrixGradient);
        ref float v = ref MemoryMarshal.GetReference(vector);
        ref float d = ref MemoryMarshal.GetReference(transposedProduct);
        bool withProduct = !transposedProduct.IsEmpty;
        int vectorEnd = Vector256.IsHardwareAccelerated ? columns - columns % Vector256<float>.Count : 0;
        for (int j = 0; j < rows; j++)
        {
            float aj = a[j];
            if (aj == 0f)
            {
                continue; // adds nothing (the operands are finite)
            }

            nuint rowStart = (nuint)(j * columns);
            var av = Vector256.Create(aj);
            int k = 0;
            if (withProduct)
            {
                for (; k < vectorEnd; k += Vector256<float>.Count)
                {
                    nuint at = rowStart + (nuint)k;
                    var wv = Vector256.LoadUnsafe(ref w, at);
                    (Vector256.LoadUnsafe(ref g, at) + av * Vector256.LoadUnsafe(ref v, (nuint)k)).StoreUnsafe(ref g, at);
                    (Vector256.LoadUnsafe(ref d, (nuint)k) + av * wv).StoreUnsafe(ref d, (nuint)k);
                }

                for (; k < columns; k++)
                {
                    nuint at = rowStart + (nuint)k;
                    Unsafe.Add(ref g, at) += aj * Unsafe.Add(ref v, k);
                    Unsafe.Add(ref d, k) += aj * Unsafe.Add(ref w, at);
                }
            }
            else
            {
                for (; k < vectorEnd; k += Vector256<float>.Count)
                {
                    nuint at = rowStart + (nuint)k;
                    (Vector256.LoadUnsafe(ref g, at) + av * Vector256.LoadUnsafe(ref v, (nuint)k)).StoreUnsafe(ref g, at);
                }

                for (; k < columns; k++)
                {
                    Unsafe.Add(ref g, rowStart + (nuint)k) += aj * Unsafe.Add(ref v, k);
                }
            }
        }
    }
}
