using SelfImprove.Testing;

namespace SelfImprove.Server.Tests;

public sealed class ServerOptionsTests
{
    [Fact]
    public void Every_problem_is_named_before_anything_starts()
    {
        var options = new ServerOptions
        {
            Backend = (Backend)7,
            Urls = "http://127.0.0.1",
            AgentsFolder = "/no/such/folder",
            HubName = "bad hub!",
        };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        foreach (var expected in new[] { "--backend: '7' is not one of memory, azure-storage", "--urls", "explicit port", "--agents", "--key", "hub name 'bad hub!'" })
            Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_key_is_required_unless_the_server_is_for_local_development()
    {
        using var agents = new TempDirectory();
        Assert.Contains("--key", Assert.Throws<ArgumentException>(new ServerOptions { AgentsFolder = agents.Path, Urls = "http://127.0.0.1:7071" }.Validate).Message);
        Assert.Contains("16 characters", Assert.Throws<ArgumentException>(new ServerOptions { AgentsFolder = agents.Path, Urls = "http://127.0.0.1:7071", ApiKey = "short" }.Validate).Message);

        new ServerOptions { AgentsFolder = agents.Path, Urls = "http://127.0.0.1:7071", Development = true }.Validate();
        new ServerOptions { AgentsFolder = agents.Path, Urls = "http://127.0.0.1:7071", ApiKey = "a-long-enough-key-123" }.Validate();
    }
}
