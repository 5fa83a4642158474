using System.Diagnostics;
using SelfImprove.Core.Deployment;
using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Privacy;
using SelfImprove.Core.Traffic;

namespace SelfImprove.Steps;

/// <summary>An answer to a live request: its id in the traffic log, the version and arm that gave it, and the action taken.</summary>
/// <param name="RequestId">The answer's id (<see cref="RequestIds"/>); feedback points at it.</param>
/// <param name="VersionId">The model version that answered.</param>
/// <param name="Arm">Serving version or trial candidate.</param>
/// <param name="Prediction">What the model said.</param>
/// <param name="Action">The action of the predicted intent.</param>
public sealed record RoutedPrediction(string RequestId, string VersionId, Arm Arm, IntentPrediction Prediction, string Action);

/// <summary>One request to answer: the text and, optionally, the caller's key for the person or session it came from.</summary>
/// <param name="Text">The request text (as sent; the log keeps it redacted when the manifest says so).</param>
/// <param name="Subject">The caller's subject key (user or session), kept with the answer so it can be erased; null when none.</param>
public sealed record PredictInput(string Text, string? Subject = null);

/// <summary>
/// Answers live requests: with the serving version, or, while an A/B trial runs, with the candidate for its share
/// of requests (split by a stable hash of the caller's subject when given, so a person keeps one arm, else of the text). Training and evaluation never block it. A trial left behind by
/// a run that no longer holds the agent (terminated) is ignored. Concurrent requests share one encoder call
/// (<see cref="EncoderBatcher"/>); the serving pointer and the trial are cached (<see cref="ServingPointers"/>). Every
/// answer gets a request id and is recorded in the <see cref="TrafficLog"/> (version, arm, latency, top 3 intents,
/// subject; text redacted unless the manifest's <c>traffic.redact</c> is off). During a trial each request is also
/// scored in the shadow by the version that did not answer it, and that intent is logged beside the answer.
/// </summary>
public sealed class ServingRouter(LoopContext loop, ServingPointers pointers, EncoderBatcher encoder, TrafficLog traffic)
{
    /// <summary>Answers one request and logs the answer.</summary>
    /// <exception cref="InvalidOperationException">The agent has no serving version yet.</exception>
    /// <exception cref="KeyNotFoundException">The agent is unknown.</exception>
    public Task<RoutedPrediction> PredictAsync(string agentId, string text, CancellationToken cancellationToken = default) =>
        PredictAsync(agentId, text, null, cancellationToken);

    /// <summary>Answers one request from <paramref name="subject"/> (null: none given) and logs the answer.</summary>
    /// <exception cref="InvalidOperationException">The agent has no serving version yet.</exception>
    public async Task<RoutedPrediction> PredictAsync(string agentId, string text, string? subject, CancellationToken cancellationToken = default) =>
        (await PredictAsync(agentId, [new PredictInput(text, subject)], cancellationToken))[0];

    /// <summary>The agent's serving version as the router sees it (cached; see <see cref="ServingPointers"/>), or null when it has none.</summary>
    public async Task<string?> ServingVersionAsync(string agentId, CancellationToken cancellationToken = default) =>
        (await pointers.GetAsync(agentId, cancellationToken)).ServingVersionId;

    /// <summary>
    /// Answers many requests (in input order) with one encoder call shared with concurrent requests, and logs every answer.
    /// </summary>
    /// <exception cref="InvalidOperationException">The agent has no serving version yet.</exception>
    public async Task<IReadOnlyList<RoutedPrediction>> PredictAsync(string agentId, IReadOnlyList<PredictInput> inputs, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        if (inputs.Count == 0) return [];
        var manifest = loop.Agents.Get(agentId).Manifest;
        var ids = new (string Id, DateTimeOffset At)[inputs.Count];
        for (var i = 0; i < ids.Length; i++) ids[i] = traffic.Ids.Next();

        var pointer = await pointers.GetAsync(agentId, cancellationToken);
        var servingId = pointer.ServingVersionId
            ?? throw new InvalidOperationException($"Agent '{agentId}' has no serving version; train one first ('selfimprove train').");
        var trial = pointer.Trial;
        var arms = new (string VersionId, Arm Arm)[inputs.Count];
        for (var i = 0; i < arms.Length; i++)
            arms[i] = trial is not null && PromotionPolicy.RoutesToCandidate(trial.RunId, PromotionPolicy.RoutingKey(inputs[i].Text, inputs[i].Subject), trial.CandidateShare)
                ? (trial.CandidateVersionId, Arm.Candidate)
                : (servingId, Arm.Serving);

        var texts = new string[inputs.Count];
        for (var i = 0; i < texts.Length; i++) texts[i] = inputs[i].Text;
        var vectors = await encoder.EncodeAsync(texts, cancellationToken);

        var predictions = new IntentPrediction[inputs.Count];
        var labels = new IReadOnlyList<string>[inputs.Count];
        // During a trial the other arm's version scores each request too, in the shadow (the same embedding, one more
        // head): the trial compares the two on the same labelled requests.
        var shadows = trial is null ? null : new (string VersionId, string Intent)[inputs.Count];
        foreach (var group in Enumerable.Range(0, inputs.Count).GroupBy(i => arms[i].VersionId))
        {
            var indices = group.ToArray();
            var features = indices.Select(i => vectors[i]).ToArray();
            var model = await loop.Models.LoadAsync(agentId, group.Key, cancellationToken);
            var scored = model.PredictFeatures(features);
            for (var k = 0; k < indices.Length; k++) (predictions[indices[k]], labels[indices[k]]) = (scored[k], model.Labels);
            if (shadows is null) continue;
            var other = group.Key == trial!.CandidateVersionId ? servingId : trial.CandidateVersionId;
            var shadow = (await loop.Models.LoadAsync(agentId, other, cancellationToken)).PredictFeatures(features);
            for (var k = 0; k < indices.Length; k++) shadows[indices[k]] = (other, shadow[k].Intent);
        }

        var latencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var answers = new RoutedPrediction[inputs.Count];
        for (var i = 0; i < inputs.Count; i++)
        {
            var p = predictions[i];
            answers[i] = new RoutedPrediction(ids[i].Id, arms[i].VersionId, arms[i].Arm, p, manifest.Labels.First(l => l.Name == p.Intent).Action);
            var logged = Log(agentId, ids[i].At, answers[i], labels[i], inputs[i], manifest.Traffic.Redact, latencyMs);
            if (shadows is not null) logged = logged with { ShadowVersionId = shadows[i].VersionId, ShadowIntent = shadows[i].Intent };
            await traffic.AppendAsync(logged);
        }
        return answers;
    }
    private static LoggedRequest Log(
        string agentId, DateTimeOffset at, RoutedPrediction answer, IReadOnlyList<string> labels, PredictInput input, bool redact, double latencyMs)
    {
        var p = answer.Prediction;
        return new LoggedRequest(answer.RequestId, agentId, at, answer.VersionId, answer.Arm, answer.Action, Math.Round(latencyMs, 3),
            redact ? PersonalDataRedactor.Redact(input.Text) : input.Text, redact,
            p.Intent, p.Probability, p.Margin, p.RunnerUp, TopOf(p, labels), input.Subject);
    }

    /// <summary>The <see cref="TrafficLog.TopK"/> most probable intents, most probable first.</summary>
    private static IntentProbability[] TopOf(IntentPrediction prediction, IReadOnlyList<string> labels)
    {
        var top = new List<(int Index, float P)>(TrafficLog.TopK + 1);
        var probabilities = prediction.Probabilities;
        for (var c = 0; c < probabilities.Length; c++)
        {
            var at = top.Count;
            while (at > 0 && probabilities[c] > top[at - 1].P) at--;
            if (at >= TrafficLog.TopK) continue;
            top.Insert(at, (c, probabilities[c]));
            if (top.Count > TrafficLog.TopK) top.RemoveAt(top.Count - 1);
        }
        return top.Select(t => new IntentProbability(labels[t.Index], t.P)).ToArray();
    }
}
