using Microsoft.Extensions.Configuration;
using SelfImprove.Api.Http;

namespace SelfImprove.Api.Tests.Http;

public sealed class ApiKeyRingTests
{
    [Fact]
    public void Scoped_keys_come_from_configuration_and_bad_ones_stop_the_start_naming_their_setting()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SelfImprove:ApiKeys:lea:Key"] = "labeller-key-0123456789", ["SelfImprove:ApiKeys:lea:Scope"] = "labeller",
            ["SelfImprove:ApiKeys:ops:Key"] = "short", ["SelfImprove:ApiKeys:ops:Scope"] = "operator",
        }).Build();
        var named = ApiKeyRing.Bind(configuration);
        Assert.Equal(ApiScope.Labeller, named["lea"].Scope);
        Assert.Equal(["SelfImprove:ApiKeys:ops:Key: give a key of at least 16 characters."], ApiKeyRing.Problems(named));
        Assert.Contains("SelfImprove:ApiKeys:ops:Key", Assert.Throws<ArgumentException>(() => ApiKeyRing.Create(null, named)).Message);

        var badScope = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SelfImprove:ApiKeys:x:Key"] = "0123456789abcdef0", ["SelfImprove:ApiKeys:x:Scope"] = "root",
        }).Build();
        var error = Assert.Throws<ArgumentException>(() => ApiKeyRing.Bind(badScope)).Message;
        Assert.Contains("SelfImprove:ApiKeys:x:Scope: 'root'", error);
        Assert.Contains("'labeller', 'operator', 'admin'", error);

        // The single key stays an admin key; no key at all opens nothing unless asked (serve --dev).
        var ring = ApiKeyRing.Create("the-single-key-0123", new Dictionary<string, ScopedApiKey> { ["lea"] = named["lea"] });
        Assert.Equal((ApiKeyRing.LegacyName, ApiScope.Admin), ring.Match("the-single-key-0123"));
        Assert.Equal(("lea", ApiScope.Labeller), ring.Match("labeller-key-0123456789"));
        Assert.Null(ring.Match("labeller-key-012345678"));
        Assert.False(ApiKeyRing.Create(null, null).IsOpen);
        Assert.True(ApiKeyRing.Open.IsOpen);
    }
}
