namespace StreamRnn.Daemon.Http;

/// <summary>What <c>/pipelines/{name}/model</c> shows about the weights in use.</summary>
/// <param name="Pipeline">The pipeline's name.</param>
/// <param name="Version">The weight version that makes predictions now.</param>
/// <param name="Cell">Rnn, Lstm or Gru.</param>
/// <param name="Head">Linear, Gaussian or Binary.</param>
/// <param name="ParameterCount">Number of trainable parameters.</param>
/// <param name="Keys">Keys held by this instance.</param>
/// <param name="StateBytes">Bytes of per-key state held by this instance.</param>
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
    long StateBytes);
