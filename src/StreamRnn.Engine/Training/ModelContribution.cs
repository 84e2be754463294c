using StreamRnn.Core;

namespace StreamRnn.Engine.Training;

/// <summary>A weight version and how much data it stands for, as exchanged between instances on the model topic.</summary>
/// <param name="InstanceId">The instance that trained it.</param>
/// <param name="Weights">Its parameters and version.</param>
/// <param name="WindowsTrained">Windows trained into it since its last merge: its weight in an average.</param>
public sealed record ModelContribution(string InstanceId, ModelWeights Weights, long WindowsTrained);
