namespace StreamRnn.Engine.Configuration;

/// <summary>How one input field becomes network inputs.</summary>
/// <remarks>
/// Raw: u = x. ZScore: u = (x − μ) / σ with the key's running statistics after including x.
/// Difference: u = z(x_t − x_{t−1}). LogReturn: u = z(ln(x_t / x_{t−1})), x must be positive.
/// OneHot: one input per configured category, 1 for the field's value, 0 for the others.
/// Gap: u = ln(1 + max(0, x_t − x_{t−1})), 0 on the key's first record (which is still predicted): the time since the
/// key's previous reading when x is a time in seconds, log-compressed because arrival gaps are heavy-tailed (the RFID
/// trials: 0.05 s inside bursts, minutes when the tag is out of the antennas' reach), where a z-score would be ruled by
/// the few longest gaps.
/// LogRatio: u = z(ln(x_t / o_t)) with o the feature's Over field of the same record, both must be positive (e.g. a
/// bar's range ln(high / low)); it needs no previous record, so it does not hold back a key's first prediction.
/// CategoryAge: one input per configured category of Field, u_c = 1 / (1 + Δt_c) with Δt_c the seconds (read from the
/// feature's Time field, a time in seconds) since the key's latest record whose Field was c, 0 while c was never seen:
/// the category of this record reads 1, one seen a second ago 0.5, a minute ago 0.016. It carries which category (e.g.
/// which RFID antenna) saw the key recently, which a OneHot of the current record alone forgets at the next record.
/// O(1) per record, the latest times kept in the key's previous-value slab.
/// Activity: u = ln(1 + a_t), a_t = a_{t−1}·exp(−Δt / τ) + |x_t − x_{t−1}| with Δt the seconds (the feature's Time
/// field) since the key's previous record and τ the feature's TimeConstant: the field's recent total change, decayed
/// in event time, 0 on a key's first record. Movement energy of an accelerometer axis, e.g. a patient getting up,
/// which the raw value alone shows only while it changes. O(1) per record, [x, t, a] kept in the previous-value slab.
/// CategoryLast: one input per configured category c of the feature's By field, the last value of Field seen on a record
/// of the key whose By was c, standardised with the feature's own running statistics of Field (updated with every
/// record's Field value, exactly as a ZScore feature of Field keeps them): u_c = z(last_c), 0 while c was never seen.
/// "Last RSSI per antenna": where a ZScore of the current record shows only the antenna that read it, this keeps how
/// strongly each antenna saw the tag when it last did. O(1) per record, the raw last values kept in the key's
/// previous-value slab, so a restore from the changelog gives the same inputs.
/// Difference, LogReturn and LogRatio are also standardised with running statistics, because raw returns are tiny and
/// raw differences are in arbitrary units.
/// </remarks>
public enum FeatureTransform
{
    Raw = 0,
    ZScore = 1,
    LogReturn = 2,
    Difference = 3,
    OneHot = 4,
    Gap = 5,
    LogRatio = 6,
    CategoryAge = 7,
    Activity = 8,
    CategoryLast = 9,
}
