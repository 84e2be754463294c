namespace StreamRnn.Daemon.Http;

/// <summary>What <c>/pipelines/{name}/model</c> shows about the weights in use.</summary>
/// <param name="Pipeline">The pipeline's name.</param>
/// <param name="Version">The weight version that makes predictions now.</param>
/// <param name="Cell">Rnn, Lstm or Gru.</param>
/// <param name="Head">Linear, Gaussian or Binary.</param>
/// <param name="ParameterCount">Number of trainable parameters.</param>
/// <param name="Keys">Keys held by this instance.</param>
/// <param name="StateBytes">Bytes of per-key state held by this instance.</param>
/// <param name="TrainingWindowsInFlight">Training windows not yet trained (queued, held back, waiting for a batch); null without training.</param>
/// <param name="TrainingWindowsRecovered">Windows in flight read back from the window journal at start; null without training.</param>
public sealed record ModelSummary(
    string Pipeline,
    long Version,
    string Cell,
    int InputSize,
    int HiddenSize,
    int Layers,
    string Head,
    int ParameterCount,
    int Keys,
    long StateBytes,
    long? TrainingWindowsInFlight,
    long? TrainingWindowsRecovered);
