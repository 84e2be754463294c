namespace StreamRnn.Daemon.Configuration;

/// <summary>The <c>Http</c> section: the one port serving metrics, health and queries.</summary>
public sealed class HttpOptions : ISettingsSection
{
    public const string SectionName = "Http";

    public const string DefaultUrl = "http://127.0.0.1:9464";

    /// <summary>Shortest accepted <see cref="ApiKey"/>: a key an attacker can guess protects nothing.</summary>
    public const int MinimumApiKeyLength = 16;

    /// <summary>
    /// Where Kestrel listens: <c>http://HOST:PORT</c>. Loopback by default, so nothing is exposed unless asked for;
    /// use <c>http://0.0.0.0:9464</c> in a container. Port 0 picks a free port (logged at start).
    /// </summary>
    [SettingRequired]
    public string Url { get; set; } = DefaultUrl;

    /// <summary>
    /// The key that key queries (<c>/pipelines/{p}/keys/{k}</c>), model restores and the full <c>/info</c> require,
    /// sent as <c>Authorization: Bearer KEY</c> or <c>X-Api-Key: KEY</c>. Empty (the default): those endpoints answer
    /// 403. Set it from the environment (<c>STREAMRNN_Http__ApiKey</c>) or a secret store, not a committed file.
    /// </summary>
    public string ApiKey { get; set; } = "";

    /// <summary>
    /// Host names (the request's Host header, port ignored) the daemon answers, separated by <c>;</c>; <c>*</c>
    /// allows any, <c>*.example.com</c> any subdomain. Empty (the default): localhost, 127.0.0.1, [::1] and the
    /// machine name, which stops DNS-rebinding pages from talking to a loopback daemon. <c>/metrics</c>,
    /// <c>/healthz</c> and <c>/readyz</c> answer any host (scrapers and orchestrators use service names).
    /// </summary>
    public string AllowedHosts { get; set; } = "";

    string ISettingsSection.SectionPath => SectionName;
}
