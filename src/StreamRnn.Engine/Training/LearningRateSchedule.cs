namespace StreamRnn.Engine.Training;

/// <summary>How the learning rate changes with the number of optimiser steps taken.</summary>
public enum LearningRateSchedule
{
    /// <summary>η_t = η.</summary>
    Constant = 0,

    /// <summary>η_t = η / √(1 + t / DecaySteps): large early steps, slower ones once the model has settled.</summary>
    InverseSqrt = 1,
}
