using StreamRnn.Daemon.Configuration;

namespace StreamRnn.Daemon.Tests.Configuration;

[Trait("Category", "Unit")]

public sealed class ClientConfigRedactionTests
{
    [Theory]
    [InlineData("sasl.password", true)]
    [InlineData("ssl.key.password", true)]
    [InlineData("ssl.key.pem", true)]
    [InlineData("ssl.keystore.location", true)]
    [InlineData("sasl.oauthbearer.client.secret", true)]
    [InlineData("sasl.oauthbearer.config", true)]
    [InlineData("sasl.kerberos.keytab", true)]
    [InlineData("Some.TOKEN.value", true)]
    [InlineData("security.protocol", false)]
    [InlineData("sasl.mechanism", false)]
    [InlineData("sasl.username", false)]
    [InlineData("ssl.ca.location", false)]
    [InlineData("linger.ms", false)]
    public void Decides_by_key(string key, bool secret)
    {
        Assert.Equal(secret, ClientConfigRedaction.IsSecret(key));
    }

    [Fact]
    public void Masks_secret_values_and_orders_keys()
    {
        var config = new Dictionary<string, string>
        {
            ["sasl.password"] = "hunter2",
            ["security.protocol"] = "SASL_SSL",
            ["sasl.username"] = "svc",
        };

        Assert.Equal(
            [new("sasl.password", "***"), new("sasl.username", "svc"), new KeyValuePair<string, string>("security.protocol", "SASL_SSL")],
            ClientConfigRedaction.Redact(config));
        Assert.Equal("sasl.password=***, sasl.username=svc, security.protocol=SASL_SSL", ClientConfigRedaction.Describe(config));
        Assert.Equal("(none)", ClientConfigRedaction.Describe(new Dictionary<string, string>()));
    }
}
