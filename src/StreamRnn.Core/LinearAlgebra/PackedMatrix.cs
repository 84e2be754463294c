namespace StreamRnn.Core.LinearAlgebra;

/// <summary>
/// A K × N weight matrix with an N-vector bias, packed for <see cref="PackedGemm"/>: columns are split into
/// panels of <see cref="PanelWidth"/>, each panel stored as K contiguous rows of 16 floats, so the kernel streams
/// one panel linearly while it accumulates over k. The last panel is padded with zero columns; every lane of every
/// panel is computed the same way, so a padded tail needs no separate (and differently rounded) code path.
/// </summary>
/// <remarks>
/// The storage is a pinned array (pinned object heap, never moved), so the raw pointers below stay valid for the
/// lifetime of this object. Panels start on a 64-byte boundary so a 16-float panel row is one cache line.
/// </remarks>
internal sealed unsafe class PackedMatrix
{
    /// <summary>Columns per panel: two Vector256&lt;float&gt;.</summary>
    public const int PanelWidth = 16;

    private const int AlignmentBytes = 64;

    // Kept only so the pinned array lives as long as this object; the pointers below point into it.
    private readonly float[] _storage;

    /// <summary>Packs <paramref name="dense"/> (rows × columns, row-major) and <paramref name="bias"/> (columns).</summary>
    public PackedMatrix(int rows, int columns, ReadOnlySpan<float> dense, ReadOnlySpan<float> bias)
    {
        if (dense.Length != rows * columns || bias.Length != columns)
        {
            throw new ArgumentException("Dense matrix or bias has the wrong length.");
        }

        Rows = rows;
        Columns = columns;
        PanelCount = (columns + PanelWidth - 1) / PanelWidth;
        int padded = PanelCount * PanelWidth;
        int floats = padded + PanelCount * rows * PanelWidth;
        _storage = GC.AllocateArray<float>(floats + AlignmentBytes / sizeof(float), pinned: true);

        fixed (float* start = _storage)
        {
            nint misalignment = (nint)start & (AlignmentBytes - 1);
            int skip = misalignment == 0 ? 0 : (int)((AlignmentBytes - misalignment) / sizeof(float));
            Bias = start + skip;
            Panels = Bias + padded;
        }

        Load(dense, bias);
    }

    /// <summary>Packs new values of the same size into this matrix, in place (a trainer's scratch weights).</summary>
    public void Load(ReadOnlySpan<float> dense, ReadOnlySpan<float> bias)
    {
        int rows = Rows, columns = Columns;
        if (dense.Length != rows * columns || bias.Length != columns)
        {
            throw new ArgumentException("Dense matrix or bias has the wrong length.");
        }

        var biasSpan = new Span<float>(Bias, PaddedColumns);
        biasSpan.Clear();
        bias.CopyTo(biasSpan);
        var panelSpan = new Span<float>(Panels, PanelCount * rows * PanelWidth);
        for (int p = 0; p < PanelCount; p++)
        {
            for (int k = 0; k < rows; k++)
            {
                for (int lane = 0; lane < PanelWidth; lane++)
                {
                    int column = p * PanelWidth + lane;
                    panelSpan[(p * rows + k) * PanelWidth + lane] = column < columns ? dense[k * columns + column] : 0f;
                }
            }
        }
    }

    /// <summary>K: the length of the dot products.</summary>
    public int Rows { get; }

    /// <summary>N: the number of meaningful output columns.</summary>
    public int Columns { get; }

    /// <summary>Number of 16-column panels.</summary>
    public int PanelCount { get; }

    /// <summary>Columns written by the kernel (N rounded up to a whole panel); a destination row needs this many floats.</summary>
    public int PaddedColumns => PanelCount * PanelWidth;

    /// <summary>Bias, <see cref="PaddedColumns"/> floats, zero in the padding.</summary>
    public float* Bias { get; }

    /// <summary>Panel p starts at <c>Panels + p · Rows · 16</c>.</summary>
    public float* Panels { get; }

    /// <summary>Floats between the starts of two consecutive panels.</summary>
    public int PanelStride => Rows * PanelWidth;
}
