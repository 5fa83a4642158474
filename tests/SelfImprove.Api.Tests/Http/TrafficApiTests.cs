using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Core.Traffic;
using SelfImprove.Steps;

namespace SelfImprove.Api.Tests.Http;

/// <summary>Predict and feedback by request id, batches, erasure of a subject and redaction, over HTTP on a real Kestrel.</summary>
public sealed class TrafficApiTests
{
    private static readonly string Predict = $"api/agents/{ApiServer.AgentId}/predict";
    private static readonly string Feedback = $"api/agents/{ApiServer.AgentId}/feedback";

    /// <summary>One server for the cases that do not disturb each other (each server start trains a version).</summary>
    [Fact]
    public async Task Predict_and_feedback_by_request_id_on_one_server()
    {
        await using var api = await ApiServer.StartAsync(replay: false);
        await Predict_returns_a_request_id_that_feedback_points_at_and_the_feedback_carries_the_logged_text_and_version(api);
        await Feedback_for_an_unknown_request_id_is_404_and_stores_nothing(api);
        await A_repeated_feedback_id_is_stored_once_and_answers_with_the_first_item(api);
        await A_batch_is_answered_in_input_order_each_with_its_own_request_id(api);
    }

    private static async Task Predict_returns_a_request_id_that_feedback_points_at_and_the_feedback_carries_the_logged_text_and_version(ApiServer api)
    {

        var answer = await PostAsync(api, Predict, new { text = "I lost my card on the bus", subject = "user-7" }, HttpStatusCode.OK);
        var requestId = answer["requestId"]!.GetValue<string>();
        Assert.True(RequestIds.TryParseTime(requestId, out var at), requestId);
        Assert.InRange(at, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal("serving", answer["arm"]!.GetValue<string>());
        Assert.Equal("v1", answer["version"]!.GetValue<string>());

        // Flushed to the store first, so the lookup reads the log, not the process's buffer.
        await api.Server.Loop.Services.GetRequiredService<TrafficLog>().FlushAsync();
        var feedback = await PostAsync(api, Feedback, new { requestId, label = "card_lost_or_stolen" }, HttpStatusCode.Created);

        Assert.Equal(requestId, feedback["requestId"]!.GetValue<string>());
        Assert.Equal("I lost my card on the bus", feedback["text"]!.GetValue<string>());
        Assert.Equal(answer["intent"]!.GetValue<string>(), feedback["predicted"]!.GetValue<string>());
        Assert.Equal("v1", feedback["version"]!.GetValue<string>());
        Assert.Equal("serving", feedback["arm"]!.GetValue<string>());
        Assert.Equal("card_lost_or_stolen", feedback["label"]!.GetValue<string>());
        var stored = await api.Server.Loop.Services.GetRequiredService<FeedbackLog>().SinceAsync(ApiServer.AgentId, at);
        var item = Assert.Single(stored);
        Assert.Equal((requestId, "v1", Arm.Serving, "user-7"), (item.RequestId, item.VersionId, item.Arm, item.Subject));
    }

    private static async Task Feedback_for_an_unknown_request_id_is_404_and_stores_nothing(ApiServer api)
    {
        var before = Directory.GetFiles(Path.Combine(api.StorePath, "agents", ApiServer.AgentId, "feedback")).Length;
        using var response = await api.Http.PostAsJsonAsync(Feedback, new { requestId = "20240101T0000000000000-0000000000000001", thumbsUp = true });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await ApiServer.ProblemAsync(response);
        Assert.Equal("Unknown request id", problem["title"]!.GetValue<string>());
        Assert.Contains("20240101T0000000000000-0000000000000001", problem["detail"]!.GetValue<string>());
        Assert.Equal(before, Directory.GetFiles(Path.Combine(api.StorePath, "agents", ApiServer.AgentId, "feedback")).Length);

        var malformed = await PostAsync(api, Feedback, new { requestId = "not-an-id", label = "card_lost_or_stolen" }, HttpStatusCode.BadRequest);
        Assert.Contains("is not a request id", malformed["errors"]!["$.requestId"]![0]!.GetValue<string>());
    }

    private static async Task A_repeated_feedback_id_is_stored_once_and_answers_with_the_first_item(ApiServer api)
    {
        var before = Directory.GetFiles(Path.Combine(api.StorePath, "agents", ApiServer.AgentId, "feedback")).Length;
        var requestId = (await PostAsync(api, Predict, new { text = "close my account please" }, HttpStatusCode.OK))["requestId"]!.GetValue<string>();

        var first = await PostAsync(api, Feedback, new { requestId, thumbsUp = false, feedbackId = "fb-42" }, HttpStatusCode.Created);
        var again = await PostAsync(api, Feedback, new { requestId, label = "account_closure", feedbackId = "fb-42" }, HttpStatusCode.OK);
        // Today's shape, with its own feedback id, is accepted too.
        var byText = await PostAsync(api, Feedback, new { text = "where is my refund", predicted = "refund_request", thumbsUp = true, feedbackId = "fb-43" }, HttpStatusCode.Created);

        Assert.Equal("fb-42", first["id"]!.GetValue<string>());
        Assert.Equal(first.ToJsonString(), again.ToJsonString());
        Assert.Equal("fb-43", byText["id"]!.GetValue<string>());
        Assert.Null(byText["requestId"]);
        Assert.Equal(before + 2, Directory.GetFiles(Path.Combine(api.StorePath, "agents", ApiServer.AgentId, "feedback")).Length);
    }

    private static async Task A_batch_is_answered_in_input_order_each_with_its_own_request_id(ApiServer api)
    {
        var since = DateTimeOffset.UtcNow;
        string[] texts = ["my card was stolen", "close my account please", "why was I charged twice", "I want a refund"];

        var batch = await PostAsync(api, Predict, new { inputs = texts.Select((t, i) => new { text = t, subject = $"s{i}" }) }, HttpStatusCode.OK);
        var results = batch["results"]!.AsArray();
        var singles = new List<JsonObject>();
        foreach (var text in texts) singles.Add(await PostAsync(api, Predict, new { text }, HttpStatusCode.OK));

        Assert.Equal(texts.Length, results.Count);
        Assert.Equal(singles.Select(s => s["intent"]!.GetValue<string>()), results.Select(r => r!["intent"]!.GetValue<string>()));
        Assert.Equal(texts.Length * 2, results.Concat(singles).Select(r => r!["requestId"]!.GetValue<string>()).Distinct().Count());
        var logged = await api.Server.Loop.Services.GetRequiredService<TrafficLog>()
            .ReadAsync(ApiServer.AgentId, since, DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(texts.Length * 2, logged.Count);
        Assert.Equal(["s0", "s1", "s2", "s3"], logged.Take(4).Select(l => l.Subject));
        Assert.All(logged, l => Assert.Equal(3, l.TopK.Count));

        var tooMany = await PostAsync(api, Predict, new { inputs = Enumerable.Repeat(new { text = "hi" }, 101) }, HttpStatusCode.BadRequest);
        Assert.Contains("1 to 100 inputs", tooMany["errors"]!["$.inputs"]![0]!.GetValue<string>());
        var badInput = await PostAsync(api, Predict, new { inputs = new[] { new { text = "fine" }, new { text = " " } } }, HttpStatusCode.BadRequest);
        Assert.NotNull(badInput["errors"]!["$.inputs[1].text"]);
    }

    [Fact]
    public async Task Erasure_and_redaction_on_one_server()
    {
        await using var api = await ApiServer.StartAsync(replay: false);
        await With_redaction_on_no_email_card_or_phone_number_reaches_the_log_in_clear(api);
        await Erasing_a_subject_removes_its_requests_and_feedback_and_keeps_everyone_else(api);
    }

    private static async Task Erasing_a_subject_removes_its_requests_and_feedback_and_keeps_everyone_else(ApiServer api)
    {
        var since = DateTimeOffset.UtcNow;
        var traffic = api.Server.Loop.Services.GetRequiredService<TrafficLog>();
        var mine = (await PostAsync(api, Predict, new { text = "my card was stolen", subject = "ana@example.org" }, HttpStatusCode.OK))["requestId"]!.GetValue<string>();
        await traffic.FlushAsync();
        var buffered = (await PostAsync(api, Predict, new { text = "block my card", subject = "ana@example.org" }, HttpStatusCode.OK))["requestId"]!.GetValue<string>();
        var theirs = (await PostAsync(api, Predict, new { text = "close my account", subject = "bo" }, HttpStatusCode.OK))["requestId"]!.GetValue<string>();
        await PostAsync(api, Feedback, new { requestId = mine, label = "card_lost_or_stolen" }, HttpStatusCode.Created);
        await PostAsync(api, Feedback, new { requestId = theirs, thumbsUp = true }, HttpStatusCode.Created);

        using var erased = await api.Http.DeleteAsync($"api/agents/{ApiServer.AgentId}/subjects/{Uri.EscapeDataString("ana@example.org")}");
        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        var counts = (await erased.Content.ReadFromJsonAsync<JsonObject>())!["erased"]!;
        Assert.Equal(2, counts["TrafficLog"]!.GetValue<int>());
        Assert.Equal(1, counts["FeedbackLog"]!.GetValue<int>());

        await traffic.FlushAsync();
        var left = await traffic.ReadAsync(ApiServer.AgentId, since, DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal([theirs], left.Select(l => l.RequestId));
        Assert.Null(await traffic.FindAsync(ApiServer.AgentId, buffered));
        var feedback = await api.Server.Loop.Services.GetRequiredService<FeedbackLog>().SinceAsync(ApiServer.AgentId, since);
        Assert.Equal([theirs], feedback.Select(f => f.RequestId));
        var files = Directory.GetFiles(Path.Combine(api.StorePath, "agents", ApiServer.AgentId), "*", SearchOption.AllDirectories);
        Assert.DoesNotContain(files, f => File.ReadAllText(f).Contains("ana@example.org") || File.ReadAllText(f).Contains("my card was stolen"));
        // Feedback on an erased request: the log no longer knows it.
        using var late = await api.Http.PostAsJsonAsync(Feedback, new { requestId = mine, thumbsUp = true });
        Assert.Equal(HttpStatusCode.NotFound, late.StatusCode);
    }

    private static async Task With_redaction_on_no_email_card_or_phone_number_reaches_the_log_in_clear(ApiServer api)
    {
        const string text = "my card 4111 1111 1111 1111 was charged twice, mail anna.smith@example.org or call +44 20 7946 0958";

        var answer = await PostAsync(api, Predict, new { text }, HttpStatusCode.OK);
        await api.Server.Loop.Services.GetRequiredService<TrafficLog>().FlushAsync();
        var feedback = await PostAsync(api, Feedback, new { requestId = answer["requestId"]!.GetValue<string>(), thumbsUp = true }, HttpStatusCode.Created);

        Assert.Equal("my card [CARD] was charged twice, mail [EMAIL] or call [PHONE]", feedback["text"]!.GetValue<string>());
        var stored = string.Join("\n", Directory.GetFiles(Path.Combine(api.StorePath, "agents", ApiServer.AgentId), "*", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.Contains("[CARD]", stored);
        foreach (var secret in new[] { "4111 1111 1111 1111", "anna.smith@example.org", "7946 0958" })
            Assert.DoesNotContain(secret, stored);
    }

    [Fact]
    public async Task With_redaction_off_the_log_keeps_the_text_as_sent()
    {
        await using var api = await ApiServer.StartAsync(replay: false, edit: m => m["traffic"] = new JsonObject { ["redact"] = false });
        const string text = "mail anna.smith@example.org about my card";

        var requestId = (await PostAsync(api, Predict, new { text }, HttpStatusCode.OK))["requestId"]!.GetValue<string>();
        var logged = await api.Server.Loop.Services.GetRequiredService<TrafficLog>().FindAsync(ApiServer.AgentId, requestId);

        Assert.Equal((text, false), (logged!.Text, logged.Redacted));
    }

    private static async Task<JsonObject> PostAsync(ApiServer api, string path, object body, HttpStatusCode expected)
    {
        using var response = await api.Http.PostAsJsonAsync(path, body);
        var json = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {json.ToJsonString()}");
        return json;
    }
}
