using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using SelfImprove.Steps;
using SelfImprove.Testing;

namespace SelfImprove.Api.Tests.Approval;

/// <summary>The production notifier against a real HTTP endpoint on 127.0.0.1 standing in for a Teams or Slack workflow.</summary>
public sealed class WebhookApprovalNotifierTests : IAsyncLifetime
{
    private readonly List<JsonObject> received = [];
    private WebApplication hook = null!;
    private int status = StatusCodes.Status202Accepted;
    private Uri url = null!;

    public async Task InitializeAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        hook = builder.Build();
        hook.MapPost("/workflow", async (HttpRequest request) =>
        {
            received.Add((await JsonNode.ParseAsync(request.Body))!.AsObject());
            return Results.StatusCode(status);
        });
        await hook.StartAsync();
        url = new Uri($"http://127.0.0.1:{port}/workflow");
    }

    public async Task DisposeAsync() => await hook.DisposeAsync();

    private static readonly ApprovalNotice Notice = new(
        "support-router-3", "support-router", "v4", "v4: accuracy 0.912 on recent traffic", new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero),
        "https://selfimprove.example/api/runs/support-router-3/approval?token=abc");

    [Fact]
    public async Task The_link_is_posted_with_a_message_the_chat_tool_shows()
    {
        using var http = new HttpClient();
        await new WebhookApprovalNotifier(http, url, NullLogger<WebhookApprovalNotifier>.Instance).NotifyAsync(Notice);

        var body = Assert.Single(received);
        Assert.Equal(Notice.ApprovalUrl, body["approvalUrl"]!.GetValue<string>());
        Assert.Equal("support-router-3", body["runId"]!.GetValue<string>());
        Assert.Contains(Notice.ApprovalUrl, body["text"]!.GetValue<string>());
        Assert.Contains("2026-11-27 09:00:00Z", body["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_refused_post_fails_so_the_activity_is_retried()
    {
        status = StatusCodes.Status503ServiceUnavailable;
        using var http = new HttpClient();

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => new WebhookApprovalNotifier(http, url, NullLogger<WebhookApprovalNotifier>.Instance).NotifyAsync(Notice));

        Assert.Contains("503", error.Message);
        Assert.DoesNotContain("token", error.Message);
    }
}
