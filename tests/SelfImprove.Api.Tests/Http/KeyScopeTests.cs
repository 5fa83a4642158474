using System.Net;
using System.Net.Http.Json;
using SelfImprove.Api.Http;
using SelfImprove.Api.Pages;
using SelfImprove.Runs;

namespace SelfImprove.Api.Tests.Http;

/// <summary>Keys over real Kestrel: every route but the approval webhook needs one; each scope opens its routes and no others; the pages open with a sign-in, never a key in a URL.</summary>
public sealed class KeyScopeTests
{
    private const string LabellerKey = "labeller-key-0123456789";
    private const string OperatorKey = "operator-key-0123456789";
    private const string AdminKey = "admin-key-0123456789abc";
    private static readonly string Agent = $"api/agents/{ApiServer.AgentId}";

    [Fact]
    public async Task Every_route_but_the_approval_webhook_needs_a_key_each_scope_opens_its_routes_only_and_the_pages_need_a_sign_in()
    {
        await using var api = await ApiServer.StartAsync(replay: false, apiKeys: new Dictionary<string, ScopedApiKey>
        {
            ["lea"] = new(LabellerKey, ApiScope.Labeller), ["otto"] = new(OperatorKey, ApiScope.Operator), ["ada"] = new(AdminKey, ApiScope.Admin),
        });

        var routes = new (HttpMethod Method, string Path)[]
        {
            (HttpMethod.Post, $"api/agents/{ApiServer.AgentId}/runs"), (HttpMethod.Get, "api/runs/support-router-1"),
            (HttpMethod.Delete, "api/runs/support-router-1"), (HttpMethod.Post, "api/runs/support-router-1/terminate"),
            (HttpMethod.Post, "api/runs/support-router-1/events/note"), (HttpMethod.Post, $"api/agents/{ApiServer.AgentId}/feedback"),
            (HttpMethod.Post, $"api/agents/{ApiServer.AgentId}/predict"), (HttpMethod.Get, $"api/agents/{ApiServer.AgentId}/versions"),
            (HttpMethod.Post, $"api/agents/{ApiServer.AgentId}/rollback"),
            (HttpMethod.Post, "api/runs/support-router-1/training/support-router-1.attempt-1/completed"),
        };
        foreach (var (method, path) in routes)
        {
            using var missing = await api.Anonymous.SendAsync(new HttpRequestMessage(method, path));
            Assert.True(missing.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} without a key answered {missing.StatusCode}");
            Assert.Contains("x-functions-key", (await ApiServer.ProblemAsync(missing))["detail"]!.GetValue<string>());
            var wrong = new HttpRequestMessage(method, path);
            wrong.Headers.Add("x-functions-key", "not-the-key-0123456789");
            using var refused = await api.Anonymous.SendAsync(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        Assert.False(Directory.Exists(Path.Combine(api.StorePath, "agents", ApiServer.AgentId, "runs")), "a refused request started a run");
        using var byQuery = await api.Anonymous.GetAsync($"api/agents/{ApiServer.AgentId}/versions?code={ApiServer.Key}");
        Assert.Equal(HttpStatusCode.OK, byQuery.StatusCode);

        async Task<HttpStatusCode> Send(string? key, HttpMethod method, string path, object? body = null)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            if (key is not null) request.Headers.Add(ApiRoutes.KeyHeader, key);
            using var response = await api.Anonymous.SendAsync(request);
            return response.StatusCode;
        }

        // No key, or a key of no one: 401 everywhere.
        Assert.Equal(HttpStatusCode.Unauthorized, await Send(null, HttpMethod.Get, $"{Agent}/versions"));
        Assert.Equal(HttpStatusCode.Unauthorized, await Send("not-a-key-of-this-server", HttpMethod.Get, $"{Agent}/versions"));

        // labeller: reads and labels; cannot start runs, roll back, predict or purge.
        Assert.Equal(HttpStatusCode.OK, await Send(LabellerKey, HttpMethod.Get, $"{Agent}/versions"));
        Assert.Equal(HttpStatusCode.OK, await Send(LabellerKey, HttpMethod.Get, $"{Agent}/labelling"));
        // Labelling passes the key check (and is then judged on its content: no such item).
        Assert.DoesNotContain(await Send(LabellerKey, HttpMethod.Post, $"{Agent}/labelling/no-such-item", new { label = "x", by = "lea" }),
            new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden });
        foreach (var (method, path) in new[] { (HttpMethod.Post, $"{Agent}/runs"), (HttpMethod.Post, $"{Agent}/rollback"), (HttpMethod.Post, $"{Agent}/predict"), (HttpMethod.Delete, "api/runs/x-1") })
            Assert.Equal(HttpStatusCode.Forbidden, await Send(LabellerKey, method, path, method == HttpMethod.Delete ? null : new { }));
        using (var refused = new HttpRequestMessage(HttpMethod.Post, $"{Agent}/rollback"))
        {
            refused.Headers.Add(ApiRoutes.KeyHeader, LabellerKey);
            using var response = await api.Anonymous.SendAsync(refused);
            var problem = await ApiServer.ProblemAsync(response);
            Assert.Equal("operator", problem["requiredScope"]!.GetValue<string>());
            Assert.Contains("'lea'", problem["detail"]!.GetValue<string>());
        }

        // operator: serves traffic and rolls back (here: nothing to roll back to); cannot purge or erase.
        Assert.Equal(HttpStatusCode.OK, await Send(OperatorKey, HttpMethod.Post, $"{Agent}/predict", new { text = "my card has not arrived" }));
        Assert.NotEqual(HttpStatusCode.Forbidden, await Send(OperatorKey, HttpMethod.Post, $"{Agent}/rollback"));
        Assert.Equal(HttpStatusCode.Forbidden, await Send(OperatorKey, HttpMethod.Delete, "api/runs/x-1"));
        Assert.Equal(HttpStatusCode.Forbidden, await Send(OperatorKey, HttpMethod.Delete, $"{Agent}/subjects/someone"));

        // admin, and the single key of earlier versions, which is an admin key: everything.
        Assert.Equal(HttpStatusCode.NotFound, await Send(AdminKey, HttpMethod.Delete, "api/runs/x-1"));
        Assert.Equal(HttpStatusCode.NotFound, await Send(ApiServer.Key, HttpMethod.Delete, "api/runs/x-1"));

        // The pages: without a session, the sign-in page; the key goes in a form post, and the answer sets a session cookie.
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = api.Server.BaseAddress };
        using (var anonymous = await browser.GetAsync($"ui/agents/{ApiServer.AgentId}"))
        {
            Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
            Assert.Equal($"/ui/sign-in?return={Uri.EscapeDataString($"/ui/agents/{ApiServer.AgentId}")}", anonymous.Headers.Location!.OriginalString);
        }
        using (var wrong = await browser.PostAsync("ui/sign-in", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = "guess-guess-guess-guess" })))
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        using (var signIn = await browser.PostAsync("ui/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
               { ["key"] = LabellerKey, ["return"] = $"/ui/agents/{ApiServer.AgentId}" })))
        {
            Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
            Assert.Equal($"/ui/agents/{ApiServer.AgentId}", signIn.Headers.Location!.OriginalString);
            var cookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"));
            Assert.StartsWith(PageSessions.CookieName + "=lea.", cookie);
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(LabellerKey, cookie);
        }
        using (var page = await browser.GetAsync($"ui/agents/{ApiServer.AgentId}"))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("Signed in with the key 'lea' (labeller)", WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync()));
            Assert.Equal("no-referrer", Assert.Single(page.Headers.GetValues("Referrer-Policy")));
        }
        // A redirect elsewhere is never followed back: the return must be a page of this server.
        using (var away = await browser.PostAsync("ui/sign-in", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = LabellerKey, ["return"] = "//evil.example/" })))
            Assert.Equal("/ui/", away.Headers.Location!.OriginalString);
        // A forged cookie (another name, the same MAC) opens nothing.
        using var forged = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = api.Server.BaseAddress };
        forged.DefaultRequestHeaders.Add("Cookie", $"{PageSessions.CookieName}=ada.99999999999.{new string('0', 64)}");
        using (var refused = await forged.GetAsync("ui/"))
            Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
    }
}
