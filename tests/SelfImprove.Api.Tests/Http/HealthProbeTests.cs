using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace SelfImprove.Api.Tests.Http;

/// <summary><c>/healthz</c> and <c>/readyz</c> on <c>serve</c>: no key, no rate limit, readiness naming what is not ready.</summary>
public sealed class HealthProbeTests
{
    [Fact]
    public async Task Probes_answer_without_a_key_and_readiness_names_an_agent_without_a_serving_version()
    {
        await using var api = await ApiServer.StartAsync(replay: false, anonymousRateLimit: 1);

        // Liveness: no key, and not counted against the rate limit of the routes without a key.
        for (var i = 0; i < 3; i++)
        {
            using var alive = await api.Anonymous.GetAsync("healthz");
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
            Assert.Equal("alive", (await alive.Content.ReadFromJsonAsync<JsonObject>())!["status"]!.GetValue<string>());
        }

        // Ready after start: the initial version serves and its model loads.
        using (var ready = await api.Anonymous.GetAsync("readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            var body = (await ready.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal("ready", body["status"]!.GetValue<string>());
            Assert.False(string.IsNullOrEmpty(body["servingVersions"]![ApiServer.AgentId]!.GetValue<string>()));
        }
        using (var underApi = await api.Http.GetAsync("api/readyz"))
            Assert.Equal(HttpStatusCode.NotFound, underApi.StatusCode);

        // The agent loses its serving version: not ready, naming it, once the cached answer (2 s) expires.
        var pointer = Path.Combine(api.StorePath, "agents", ApiServer.AgentId, "serving.json");
        Assert.True(File.Exists(pointer), pointer);
        File.Delete(pointer);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        HttpResponseMessage response;
        while (true)
        {
            response = await api.Anonymous.GetAsync("readyz");
            if (response.StatusCode != HttpStatusCode.OK || DateTime.UtcNow > deadline) break;
            response.Dispose();
            await Task.Delay(200);
        }
        using (response)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var problem = await ApiServer.ProblemAsync(response);
            Assert.Equal("Not ready", problem["title"]!.GetValue<string>());
            Assert.Contains($"agent '{ApiServer.AgentId}' has no serving version", problem["detail"]!.GetValue<string>());
            Assert.Single(problem["notReady"]!.AsArray());
        }

        // Liveness does not depend on readiness.
        using var stillAlive = await api.Anonymous.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, stillAlive.StatusCode);
    }
}
