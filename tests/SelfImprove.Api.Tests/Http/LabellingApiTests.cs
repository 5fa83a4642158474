using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SelfImprove.Storage;
using SelfImprove.Steps;

namespace SelfImprove.Api.Tests.Http;

/// <summary>People label the agent's own traffic through the labelling queue, and the run trains on their labels.</summary>
public sealed class LabellingApiTests
{
    private static readonly string[] Requests =
    [
        "my card got swallowed by the atm", "tap to pay stopped working on my phone", "where is the money I sent to my sister",
        "the transfer to my landlord is still pending", "I want my money back for the broken kettle", "someone took money from my account",
        "can't log in since the update", "how do I change my pin", "the app crashes when I open statements", "what is my balance",
        "my new card has not arrived yet", "card declined at the petrol station", "refund for a double charge please", "lost my wallet with my card",
        "contactless fails but chip works", "transfer failed with an error", "I don't recognise this payment", "reset my password",
        "need a copy of last month's statement", "is my salary in yet", "my card does not work abroad", "cancel the transfer I made today",
        "dispute a charge from a shop", "the app logs me out all the time",
    ];

    [Fact]
    public async Task A_person_labels_the_queue_over_HTTP_and_the_run_trains_on_those_labels()
    {
        await using var api = await ApiServer.StartAsync(m =>
        {
            m["teacher"]!["allowHumanLabelling"] = true;
            m["teacher"]!["labellingTimeout"] = "01:00:00";
            m["planner"]!["maxLabelRequests"] = 5;
        }, replay: false);

        // The test is the agent's only caller: its answers are the traffic the planner picks from.
        using var predicted = await api.Http.PostAsJsonAsync($"api/agents/{ApiServer.AgentId}/predict",
            new { inputs = Requests.Select((text, i) => new { text, subject = $"user-{i % 3}" }) });
        Assert.Equal(HttpStatusCode.OK, predicted.StatusCode);
        var requestIds = (await predicted.Content.ReadFromJsonAsync<JsonObject>())!["results"]!.AsArray().Select(r => r!["requestId"]!.GetValue<string>()).ToHashSet();
        Assert.Equal(Requests.Length, requestIds.Count);

        var runId = await api.StartRunAsync();
        var waiting = await api.PollAsync(runId, s => s["log"]!.AsArray().Any(e => e!["detail"]!.GetValue<string>().Contains("for people to label")));
        var queue = (await api.Http.GetFromJsonAsync<JsonObject>($"api/agents/{ApiServer.AgentId}/labelling"))!;
        var items = queue["items"]!.AsArray().Select(i => i!.AsObject()).ToArray();
        Assert.Equal(5, items.Length);
        Assert.All(items, i => Assert.Contains(i["itemId"]!.GetValue<string>(), requestIds));
        Assert.All(items, i => Assert.Contains(i["text"]!.GetValue<string>(), Requests));
        Assert.All(items, i => Assert.InRange(i["guesses"]!.AsArray().Count, 1, 3));
        Assert.All(items, i => Assert.StartsWith("picked by diverse-margin sampling; ", i["reason"]!.GetValue<string>()));
        Assert.Contains("card_lost_or_stolen", queue["labels"]!.AsArray().Select(l => l!.GetValue<string>()));

        // A wrong label and a missing name are refused with their JSON paths; an unknown item is 404.
        var first = items[0]["itemId"]!.GetValue<string>();
        using (var bad = await api.Http.PostAsJsonAsync($"api/agents/{ApiServer.AgentId}/labelling/{first}", new { label = "lost_card" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal(["$.by", "$.label"], (await ApiServer.ProblemAsync(bad))["errors"]!.AsObject().Select(e => e.Key).Order());
        }
        using (var unknown = await api.Http.PostAsJsonAsync($"api/agents/{ApiServer.AgentId}/labelling/no-such-item", new { label = "pin_change", by = "ana" }))
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using (var viaEvents = await api.Http.PostAsJsonAsync($"api/runs/{runId}/events/labelled", new { }))
            Assert.Equal(HttpStatusCode.Forbidden, viaEvents.StatusCode);

        foreach (var item in items)
        {
            using var labelled = await api.Http.PostAsJsonAsync($"api/agents/{ApiServer.AgentId}/labelling/{item["itemId"]}",
                new { label = item["guesses"]![0]!["intent"]!.GetValue<string>(), by = "ana" });
            Assert.Equal(HttpStatusCode.Created, labelled.StatusCode);
        }
        using (var again = await api.Http.PostAsJsonAsync($"api/agents/{ApiServer.AgentId}/labelling/{first}", new { label = "pin_change", by = "bob" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Contains("by ana", (await ApiServer.ProblemAsync(again))["detail"]!.GetValue<string>());
        }

        // The last label tells the run at once (no timeout), and the attempt's batch holds the five labels with their provenance.
        await api.PollAsync(runId, s => s["log"]!.AsArray().Any(e => e!["detail"]!.GetValue<string>() == "people labelled all 5 queued requests"));
        var batch = Path.Combine(api.StorePath, StoreLayout.Batch(ApiServer.AgentId, runId, 1));
        await api.PollAsync(runId, _ => File.Exists(batch));
        var stored = StoreJson.Deserialize<StoredBatch>(await File.ReadAllBytesAsync(batch), batch);
        var byPeople = stored.Examples.Where(e => e.Source.StartsWith("people:ana/request=", StringComparison.Ordinal)).ToArray();
        Assert.Equal(5, byPeople.Length);
        Assert.All(byPeople, e => Assert.Contains(e.Source["people:ana/request=".Length..], requestIds));
        Assert.Equal(5, stored.LabelledRequests.Count);
        Assert.Empty((await api.Http.GetFromJsonAsync<JsonObject>($"api/agents/{ApiServer.AgentId}/labelling"))!["items"]!.AsArray());
        Assert.NotNull(waiting);
    }
    [Fact]
    public async Task A_run_whose_labellers_never_answer_goes_on_after_the_timeout_and_leaves_the_items_queued()
    {
        await using var api = await ApiServer.StartAsync(m =>
        {
            m["teacher"]!["allowHumanLabelling"] = true;
            m["teacher"]!["labellingTimeout"] = "00:00:02";
            m["planner"]!["maxLabelRequests"] = 4;
        }, replay: false);
        using (var predicted = await api.Http.PostAsJsonAsync($"api/agents/{ApiServer.AgentId}/predict", new { inputs = Requests.Select(text => new { text }) }))
            Assert.Equal(HttpStatusCode.OK, predicted.StatusCode);

        var runId = await api.StartRunAsync();
        // Nobody answers: the durable timer ends the wait and the attempt trains on what it has.
        var done = await api.PollAsync(runId, s => ApiServer.WaitsForApproval(s) || ApiServer.Ended(s));
        var details = done["log"]!.AsArray().Select(e => e!["detail"]!.GetValue<string>()).ToArray();
        Assert.Contains("labelling time is up: people labelled 0 of 4 queued requests; the rest stay in the queue", details);
        Assert.Contains(details, d => d.StartsWith("training on", StringComparison.Ordinal));
        var open = (await api.Http.GetFromJsonAsync<JsonObject>($"api/agents/{ApiServer.AgentId}/labelling"))!["items"]!.AsArray();
        Assert.Equal(4, open.Count);
    }
}
