using StreamRnn.Core;
using StreamRnn.Daemon.Backtest;

namespace StreamRnn.Daemon.Training;

/// <summary>Reading and writing model files (the model store's model-&lt;version&gt;.srnn format) named by a setting or option.</summary>
internal static class ModelFiles
{
    /// <summary>Reads weights of <paramref name="shape"/>; a missing, unreadable or mismatched file is exit code 2 naming <paramref name="setting"/>.</summary>
    public static ModelWeights Load(string path, ModelShape shape, string setting)
    {
        if (!File.Exists(path))
        {
            throw new BacktestException(2, $"{setting}: the file does not exist.");
        }

        try
        {
            using var stream = File.OpenRead(path);
            return ModelWeights.ReadFrom(stream, shape);
        }
        catch (ModelFormatException exception)
        {
            throw new BacktestException(2, $"{setting}: {exception.Message}");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new BacktestException(2, $"{setting}: cannot be read: {exception.Message}");
        }
    }

    /// <summary>Writes under a temporary name and renames, so a failed run never leaves half a file.</summary>
    public static void Save(string path, ModelWeights weights, string setting)
    {
        string temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
            }

            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                weights.WriteTo(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            throw new BacktestException(2, $"{setting}: cannot be written: {exception.Message}");
        }
    }
}
