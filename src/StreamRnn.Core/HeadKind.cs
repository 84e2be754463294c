namespace StreamRnn.Core;

/// <summary>The output layer on top of the last recurrent layer, and with it the training loss.</summary>
public enum HeadKind : byte
{
    /// <summary>One linear output, trained with mean squared error.</summary>
    Linear = 1,
    /// <summary>Two outputs, mean and log-variance, trained with Gaussian negative log-likelihood.</summary>
    Gaussian = 2,
    /// <summary>One logit; probability = sigmoid(logit); trained with binary cross-entropy.</summary>
    Binary = 3,
    /// <summary>
    /// K logits (<see cref="ModelShape.Classes"/>); class probabilities = softmax(logits); trained with categorical
    /// cross-entropy against a class index 0..K−1.
    /// </summary>
    Categorical = 4,
}

/// <summary>Questions about a head kind.</summary>
public static class HeadKindExtensions
{
    /// <summary>True for the heads whose output is a probability of an event (Binary, and Categorical summed over its event classes).</summary>
    public static bool IsClassifier(this HeadKind head) => head is HeadKind.Binary or HeadKind.Categorical;
}
