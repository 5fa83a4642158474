using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace SelfImprove.Api.Tests.Http;

/// <summary>
/// Hostile and broken input over real Kestrel on 127.0.0.1: every refusal is a problem naming what to fix, and
/// nothing is half-accepted (no run started, no event raised, no blob written, no decision recorded).
/// </summary>
public sealed class HostileInputTests
{
    private static readonly string Predict = $"api/agents/{ApiServer.AgentId}/predict";
    private static readonly string Feedback = $"api/agents/{ApiServer.AgentId}/feedback";
    private static readonly string Runs = $"api/agents/{ApiServer.AgentId}/runs";

    [Fact]
    public async Task Bodies_over_the_route_limit_or_not_JSON_are_refused_before_anything_changes()
    {
        await using var api = await ApiServer.StartAsync(replay: false);

        // Over the limit with a Content-Length: refused before reading; chunked: refused after reading limit + 1 bytes.
        foreach (var (path, limit) in new[] { (Predict, 512 * 1024), (Feedback, 64 * 1024), (Runs, 16 * 1024) })
        {
            using var declared = await Post(api.Http, path, Json(Padded(limit + 1)));
            await ExpectTooLarge(declared, limit);
            using var chunked = await Post(api.Http, path, Chunked(Padded(limit + 1)));
            await ExpectTooLarge(chunked, limit);
        }
        // Just under the limit is read (and then judged on its content).
        using (var fits = await Post(api.Http, Predict, Json(Padded(512 * 1024 - 10))))
            Assert.Equal(HttpStatusCode.BadRequest, fits.StatusCode);

        // A cross-site form post, or any other content type, never reaches a JSON route.
        foreach (var (path, type) in new[] { (Runs, "application/x-www-form-urlencoded"), (Feedback, "text/plain"), (Predict, "multipart/form-data; boundary=x"), (Predict, "application/json; charset=latin1") })
        {
            using var content = new StringContent("reason=pwned", Encoding.UTF8);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
            using var refused = await Post(api.Http, path, content);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, refused.StatusCode);
            var problem = await ApiServer.ProblemAsync(refused);
            Assert.Equal("Unsupported content type", problem["title"]!.GetValue<string>());
            Assert.Contains("'application/json'", problem["detail"]!.GetValue<string>());
        }
        using (var charset = await Post(api.Http, Predict, new StringContent("{\"text\":\"I lost my card\"}", Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.OK, charset.StatusCode); // "application/json; charset=utf-8"

        Assert.False(Directory.Exists(Path.Combine(api.StorePath, "agents", ApiServer.AgentId, "runs")), "a refused request started a run");
        Assert.False(Directory.Exists(Path.Combine(api.StorePath, "agents", ApiServer.AgentId, "feedback")), "refused feedback was stored");
    }

    [Fact]
    public async Task Wrong_shapes_are_explained_by_JSON_path_and_expected_value_without_naming_dotnet_types()
    {
        await using var api = await ApiServer.StartAsync(replay: false);

        async Task<JsonObject> Errors(string path, string body)
        {
            using var response = await Post(api.Http, path, new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await ApiServer.ProblemAsync(response);
            Assert.DoesNotContain("System.", problem.ToJsonString());
            Assert.DoesNotContain("SelfImprove.", problem.ToJsonString());
            Assert.DoesNotContain(".NET", problem.ToJsonString());
            return problem["errors"]!.AsObject();
        }

        Assert.Equal("expected a string.", (await Errors(Predict, "{\"text\": 5}"))["$.text"]![0]!.GetValue<string>());
        Assert.Equal("expected true or false.", (await Errors(Feedback, "{\"text\": \"hi\", \"predicted\": \"x\", \"thumbsUp\": \"yes\"}"))["$.thumbsUp"]![0]!.GetValue<string>());
        Assert.Equal("unknown property; this route takes requestId, text, predicted, label, thumbsUp, feedbackId.",
            (await Errors(Feedback, "{\"text\": \"hi\", \"thumbs\": true}"))["$.thumbs"]![0]!.GetValue<string>());
        Assert.Equal("expected an object.", (await Errors(Predict, "[1, 2]"))["$"]![0]!.GetValue<string>());
        var malformed = await Errors(Predict, "{\"text\": ");
        Assert.StartsWith("not valid JSON (line 1, byte 10)", Assert.Single(malformed).Value![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Links_come_from_the_configured_public_URL_never_from_the_Host_header()
    {
        await using var api = await ApiServer.StartAsync(publicUrl: "https://selfimprove.example/");

        using var start = new HttpRequestMessage(HttpMethod.Post, Runs) { Content = JsonContent.Create(new { reason = "host test" }) };
        start.Headers.Host = "evil.example:666";
        using var started = await api.Http.SendAsync(start);

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var check = (await started.Content.ReadFromJsonAsync<JsonObject>())!;
        var runId = check["id"]!.GetValue<string>();
        Assert.Equal($"https://selfimprove.example/api/runs/{runId}", started.Headers.Location!.ToString());
        foreach (var link in new[] { "statusQueryGetUri", "sendEventPostUri", "terminatePostUri", "purgeHistoryDeleteUri" })
            Assert.StartsWith($"https://selfimprove.example/api/runs/{runId}", check[link]!.GetValue<string>());
        Assert.DoesNotContain("evil", check.ToJsonString());
        Assert.StartsWith("https://selfimprove.example/api/runs/", await api.ApprovalLinkAsync(runId));
    }

    [Fact]
    public async Task The_open_approval_route_checks_the_token_before_the_body_and_keeps_every_refusal_small()
    {
        await using var api = await ApiServer.StartAsync();
        var runId = await api.StartRunAsync();
        var waiting = await api.PollAsync(runId, ApiServer.WaitsForApproval);
        var link = await api.ApprovalLinkAsync(runId);
        var logLength = waiting["log"]!.AsArray().Count;

        // A bogus token announcing a 28 MB body, of which only the first 64 KB are sent: the 403 comes anyway, so the
        // server refused without waiting for (or reading) the body.
        var answer = await PartialUploadAsync(api.Server.BaseAddress, $"/api/runs/{runId}/approval?token={new string('A', 43)}", 28 * 1024 * 1024, 64 * 1024);
        Assert.StartsWith("HTTP/1.1 403", answer);
        Assert.Contains("Invalid approval token", answer);

        // Unknown run and wrong token: the same refusal, word for word.
        using var wrongToken = await api.Anonymous.PostAsJsonAsync($"api/runs/{runId}/approval?token={new string('B', 43)}", new { decision = "approve", approver = "eve" });
        using var unknownRun = await api.Anonymous.PostAsJsonAsync($"api/runs/{ApiServer.AgentId}-77/approval?token={new string('B', 43)}", new { decision = "approve", approver = "eve" });
        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (wrongToken.StatusCode, unknownRun.StatusCode));
        var (wrong, unknown) = (await ApiServer.ProblemAsync(wrongToken), await ApiServer.ProblemAsync(unknownRun));
        Assert.Equal(wrong["title"]!.GetValue<string>(), unknown["title"]!.GetValue<string>());
        Assert.Equal(wrong["detail"]!.GetValue<string>(), unknown["detail"]!.GetValue<string>());

        // A valid token still gets a small limit, and JSON or the approval page's form only.
        using (var large = await Post(api.Anonymous, link, Json($"{{\"decision\":\"approve\",\"approver\":\"ana\",\"comment\":\"{new string('x', 17 * 1024)}\"}}")))
            await ExpectTooLarge(large, 16 * 1024);
        using (var text = await Post(api.Anonymous, link, new StringContent("decision=approve&approver=eve")))
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        using (var largeForm = await Post(api.Anonymous, link, new FormUrlEncodedContent(new Dictionary<string, string> { ["decision"] = "approve", ["approver"] = "eve", ["comment"] = new string('x', 17 * 1024) })))
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, largeForm.StatusCode);
        // A form that did not come from the page (no evidence it was shown) records nothing.
        using (var form = await Post(api.Anonymous, link, new FormUrlEncodedContent(new Dictionary<string, string> { ["decision"] = "approve", ["approver"] = "eve" })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, form.StatusCode);
            Assert.Contains("lacks the evidence", await form.Content.ReadAsStringAsync());
        }

        // Keyed routes of a waiting run: a 5 MB custom event and an oversized demonstration are refused unread.
        using (var bigEvent = await Post(api.Http, $"api/runs/{runId}/events/note", Json($"{{\"x\":\"{new string('x', 5 * 1024 * 1024)}\"}}")))
            await ExpectTooLarge(bigEvent, 256 * 1024);
        using (var chunkedEvent = await Post(api.Http, $"api/runs/{runId}/events/note", Chunked($"{{\"x\":\"{new string('x', 300 * 1024)}\"}}")))
            await ExpectTooLarge(chunkedEvent, 256 * 1024);
        using (var bigDemonstration = await Post(api.Http, $"api/runs/{runId}/demonstrations", Json(Padded(1024 * 1024 + 1))))
            await ExpectTooLarge(bigDemonstration, 1024 * 1024);
        using (var wrongSample = await Post(api.Http, $"api/runs/{runId}/demonstrations", Json("{\"by\":\"ana\",\"samples\":[{\"text\":\"ok\",\"label\":\"x\"},{\"text\":7,\"label\":\"x\"}]}")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrongSample.StatusCode);
            Assert.Equal("expected a string.", (await ApiServer.ProblemAsync(wrongSample))["errors"]!["$.samples[1].text"]![0]!.GetValue<string>());
        }

        var still = await api.StatusAsync(runId);
        Assert.True(ApiServer.WaitsForApproval(still), "a refused request must leave the run waiting");
        Assert.Equal(logLength, still["log"]!.AsArray().Count);
        Assert.False(File.Exists(Path.Combine(api.StorePath, "runs", runId, "approval", "decision.json")), "a refused request recorded a decision");
        Assert.False(Directory.Exists(Path.Combine(api.StorePath, "runs", runId, "demonstrations")), "a refused demonstration was stored");

        // Nothing was used up: the person with the link still decides.
        using var approved = await api.Anonymous.PostAsJsonAsync(link, new { decision = "reject", approver = "ana" });
        Assert.Equal(HttpStatusCode.Accepted, approved.StatusCode);
    }

    [Fact]
    public async Task The_open_approval_route_is_rate_limited_per_client_with_retry_after()
    {
        await using var api = await ApiServer.StartAsync(replay: false, anonymousRateLimit: 3);
        var bogus = $"api/runs/{ApiServer.AgentId}-1/approval?token={new string('A', 43)}";

        for (var i = 0; i < 3; i++)
        {
            using var refused = await api.Anonymous.PostAsJsonAsync(bogus, new { decision = "approve", approver = "eve" });
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        using var limited = await api.Anonymous.PostAsJsonAsync(bogus, new { decision = "approve", approver = "eve" });

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.True(retryAfter is { TotalSeconds: >= 1 and <= 60 }, $"Retry-After: {limited.Headers.RetryAfter}");
        var problem = await ApiServer.ProblemAsync(limited);
        Assert.Equal("Too many requests", problem["title"]!.GetValue<string>());
        Assert.Contains("more than 3 requests", problem["detail"]!.GetValue<string>());
        // Keyed routes are not limited by it.
        using var versions = await api.Http.GetAsync($"api/agents/{ApiServer.AgentId}/versions");
        Assert.Equal(HttpStatusCode.OK, versions.StatusCode);
    }

    /// <summary>
    /// POST with <c>Expect: 100-continue</c>, as a careful client sends a body: a server that refuses without reading
    /// answers before the body goes out, so the refusal arrives instead of a broken pipe.
    /// </summary>
    private static Task<HttpResponseMessage> Post(HttpClient client, string path, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.ExpectContinue = true;
        return client.SendAsync(request);
    }

    private static async Task ExpectTooLarge(HttpResponseMessage response, int limit)
    {
        Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{response.RequestMessage?.RequestUri} answered {response.StatusCode}");
        var problem = await ApiServer.ProblemAsync(response);
        Assert.Equal("Request body too large", problem["title"]!.GetValue<string>());
        Assert.Contains($"at most {limit} bytes", problem["detail"]!.GetValue<string>());
        Assert.Equal(limit, problem["maxBodyBytes"]!.GetValue<long>());
    }

    /// <summary>A JSON object of exactly <paramref name="bytes"/> bytes.</summary>
    private static string Padded(int bytes) => "{\"text\":\"" + new string('x', bytes - 11) + "\"}";

    private static StringContent Json(string body) => new(body, new MediaTypeHeaderValue("application/json"));

    /// <summary>JSON without a Content-Length (sent chunked).</summary>
    private static HttpContent Chunked(string body)
    {
        var content = new StreamContent(new NonSeekable(Encoding.UTF8.GetBytes(body)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    /// <summary>
    /// Sends the request line and headers of a POST announcing <paramref name="announced"/> bytes, then only
    /// <paramref name="sent"/> of them, and returns what the server answers (status line, headers, body) within 10 s.
    /// </summary>
    private static async Task<string> PartialUploadAsync(Uri server, string pathAndQuery, long announced, int sent)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        var stream = tcp.GetStream();
        var head = $"POST {pathAndQuery} HTTP/1.1\r\nHost: {server.Authority}\r\nContent-Type: application/json\r\nContent-Length: {announced}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var padding = new byte[sent];
        Array.Fill(padding, (byte)' ');
        await stream.WriteAsync(padding);
        await stream.FlushAsync();

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var answer = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            // Until the server closes the connection (it will not wait for the rest) or the body has come.
            while (await stream.ReadAsync(buffer, deadline.Token) is var read and > 0)
            {
                answer.Append(Encoding.UTF8.GetString(buffer, 0, read));
                if (answer.ToString().EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal)) break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException) { }
        Assert.True(answer.Length > 0, "no answer within 10 s although the body was never completed");
        return answer.ToString();
    }
}

/// <summary>A body slower than Kestrel's minimum data rate (its own class, so its seconds of waiting run alongside the others).</summary>
public sealed class SlowBodyTests
{
    private static readonly string Feedback = $"api/agents/{ApiServer.AgentId}/feedback";

    [Fact]
    public async Task A_body_that_trickles_in_gets_408_and_changes_nothing()
    {
        await using var api = await ApiServer.StartAsync(replay: false);

        // Kestrel's minimum data rate (240 bytes/s after a 5 s grace period) applies; one byte a second falls below it.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(api.Server.BaseAddress.Host, api.Server.BaseAddress.Port);
        var stream = tcp.GetStream();
        var head = $"POST /{Feedback} HTTP/1.1\r\nHost: {api.Server.BaseAddress.Authority}\r\n{"x-functions-key"}: {ApiServer.Key}\r\n" +
                   "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var answer = new StringBuilder();
        var reading = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            try
            {
                while (await stream.ReadAsync(buffer) is var read and > 0) answer.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
            catch (IOException) { }
        });
        for (var i = 0; i < 15 && !reading.IsCompleted && answer.Length == 0; i++)
        {
            try { await stream.WriteAsync(" "u8.ToArray()); }
            catch (IOException) { break; }
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        await reading.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.StartsWith("HTTP/1.1 408", answer.ToString());
        Assert.Contains("application/problem+json", answer.ToString());
        Assert.Contains("Request body too slow", answer.ToString());
        Assert.False(Directory.Exists(Path.Combine(api.StorePath, "agents", ApiServer.AgentId, "feedback")), "a timed-out body was stored");
    }
}
