using System.Globalization;
using StreamRnn.Core;

namespace StreamRnn.Engine.Training;

/// <summary>
/// Promoted weight versions of one pipeline on disk: &lt;stateDirectory&gt;/&lt;pipeline&gt;/model-&lt;version&gt;.srnn,
/// the newest <see cref="KeepVersions"/> kept. A restart resumes from the newest file that reads back intact.
/// </summary>
/// <remarks>
/// Writes are atomic: the file is written under a temporary name, flushed to the device and renamed over the
/// final name (rename is atomic on POSIX and NTFS), so a crash leaves either the old set of files or the new one,
/// plus at worst a temporary file that the next <see cref="LoadLatest"/> deletes. Not thread-safe for concurrent
/// writers of one pipeline; <see cref="PersistPromotions"/> writes from the registry's serialised promotions.
/// </remarks>
public sealed class ModelStore
{
    private const string Prefix = "model-";
    private const string Extension = ".srnn";
    private const string TemporaryExtension = ".tmp";

    public ModelStore(string stateDirectory, string pipeline, int keepVersions = 5)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateDirectory);
        ArgumentException.ThrowIfNullOrEmpty(pipeline);
        ArgumentOutOfRangeException.ThrowIfLessThan(keepVersions, 1);
        if (pipeline is "." or ".." || pipeline.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0
            || pipeline.Contains('/') || pipeline.Contains('\\'))
        {
            throw new ArgumentException($"'{pipeline}' cannot be used as a directory name.", nameof(pipeline));
        }

        Directory = Path.Combine(stateDirectory, pipeline);
        KeepVersions = keepVersions;
    }

    /// <summary>The pipeline's folder; created on the first save.</summary>
    public string Directory { get; }

    public int KeepVersions { get; }

    /// <summary>The file a version is stored in.</summary>
    public string PathOf(long version) =>
        Path.Combine(Directory, Prefix + version.ToString(CultureInfo.InvariantCulture) + Extension);

    /// <summary>Writes <paramref name="weights"/> atomically (replacing a file of the same version) and prunes old versions.</summary>
    public void Save(ModelWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        System.IO.Directory.CreateDirectory(Directory);
        string final = PathOf(weights.Version);
        string temporary = final + "." + Guid.NewGuid().ToString("N") + TemporaryExtension;
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024))
            {
                weights.WriteTo(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, final, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }

        var versions = Versions();
        for (int i = 0; i < versions.Count - KeepVersions; i++)
        {
            TryDelete(PathOf(versions[i]));
        }
    }

    /// <summary>Versions stored, oldest first (by the number in the file name; contents not checked).</summary>
    public IReadOnlyList<long> Versions()
    {
        var versions = new List<long>();
        if (!System.IO.Directory.Exists(Directory))
        {
            return versions;
        }

        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, Prefix + "*" + Extension))
        {
            string name = Path.GetFileName(path);
            if (!name.EndsWith(Extension, StringComparison.Ordinal))
            {
                continue;
            }

            var number = name.AsSpan(Prefix.Length, name.Length - Prefix.Length - Extension.Length);
            if (long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out long version))
            {
                versions.Add(version);
            }
        }

        versions.Sort();
        return versions;
    }

    /// <summary>
    /// The newest version that reads back intact (and has <paramref name="expected"/> shape, if given), or null
    /// if there is none. Every file skipped on the way is reported to <paramref name="skipped"/> with the reason,
    /// so the caller can log a warning; leftover temporary files of an interrupted save are deleted.
    /// </summary>
    public ModelWeights? LoadLatest(ModelShape? expected = null, Action<string, ModelFormatException>? skipped = null)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return null;
        }

        foreach (string leftover in System.IO.Directory.EnumerateFiles(Directory, Prefix + "*" + TemporaryExtension))
        {
            TryDelete(leftover);
        }

        var versions = Versions();
        for (int i = versions.Count - 1; i >= 0; i--)
        {
            string path = PathOf(versions[i]);
            try
            {
                ModelWeights weights;
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
                {
                    weights = ModelWeights.ReadFrom(stream);
                }

                if (expected is not null)
                {
                    if (!ModelWeights.CanWidenHighway(weights.Shape, expected))
                    {
                        throw new ModelFormatException($"The file holds shape {weights.Shape}, the pipeline needs {expected}.");
                    }

                    weights = weights.WidenHighway(expected); // a model saved before the highway: W_hw = 0
                }

                if (weights.Version <= 0 || weights.Version > ModelRegistry.MaxVersion)
                {
                    // Only a forged record adopted before versions were checked can leave such a file behind.
                    throw new ModelFormatException($"Version {weights.Version} is outside 1..{ModelRegistry.MaxVersion}.");
                }

                return weights;
            }
            catch (ModelFormatException exception)
            {
                skipped?.Invoke(path, exception);
            }
            catch (EndOfStreamException exception)
            {
                skipped?.Invoke(path, new ModelFormatException($"The file is truncated: {exception.Message}"));
            }
        }

        return null;
    }

    /// <summary>
    /// Saves every promotion of <paramref name="registry"/> until disposed. A failed write is reported to
    /// <paramref name="failed"/> and never thrown back into the thread that promoted.
    /// </summary>
    public IDisposable PersistPromotions(ModelRegistry registry, Action<ModelPromotion, Exception>? failed = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.Promotions.Subscribe(
            promotion =>
            {
                try
                {
                    Save(promotion.Weights);
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                    failed?.Invoke(promotion, exception);
                }
            },
            _ => { });
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Best effort: a file that cannot be deleted now is retried on the next prune or start.
        }
    }
}
