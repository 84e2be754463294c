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
}
