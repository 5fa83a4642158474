using Microsoft.AspNetCore.Http.Metadata;
using SelfImprove.Runs;

namespace SelfImprove.Api.Http;

/// <summary>
/// What one route's request body may be: the one table of body limits. Each limit fits what the route carries, far
/// below Kestrel's default 30 MB. The self-host puts the limit on the endpoint (Kestrel refuses a larger body as it
/// arrives), and <see cref="ApiProblems.ReadBodyAsync{T}"/> reads at most the limit itself, so it holds in every host.
/// </summary>
/// <param name="Route">The route (see <see cref="ApiRoutes"/>).</param>
/// <param name="MaxBytes">The largest body the route reads, in bytes; 0 for a route that takes no body.</param>
/// <param name="Carries">What the body holds, for messages and the README's table.</param>
public sealed record BodyLimit(string Route, long MaxBytes, string Carries) : IRequestSizeLimitMetadata
{
    /// <summary><c>{ "reason" }</c> (at most 500 characters).</summary>
    public static readonly BodyLimit StartRun = new(ApiRoutes.Runs, 16 * 1024, "{ \"reason\" }");

    /// <summary>Any JSON a waiting run reads as a custom event; events travel through orchestration history, so they stay small.</summary>
    public static readonly BodyLimit Event = new(ApiRoutes.Event, 256 * 1024, "a custom event's JSON");

    /// <summary><c>{ "decision", "approver", "comment" }</c> (comment at most 2,000 characters).</summary>
    public static readonly BodyLimit Approval = new(ApiRoutes.Approval, 16 * 1024, "{ \"decision\", \"approver\", \"comment\" }");

    /// <summary>Up to 500 samples of at most 1,000 characters of text each.</summary>
    public static readonly BodyLimit Demonstrations = new(ApiRoutes.Demonstrations, 1024 * 1024, "{ \"by\", \"samples\": [{ \"text\", \"label\" }] } (500 samples at most)");

    /// <summary><c>{ "requestId", "label", "thumbsUp", "feedbackId" }</c> or <c>{ "text", "predicted", "label", "thumbsUp", "feedbackId" }</c>.</summary>
    public static readonly BodyLimit Feedback = new(ApiRoutes.Feedback, 64 * 1024,
        "{ \"requestId\", \"label\", \"thumbsUp\", \"feedbackId\" } or { \"text\", \"predicted\", \"label\", \"thumbsUp\", \"feedbackId\" }");

    /// <summary><c>{ "text", "subject" }</c>, or up to 100 of them as <c>{ "inputs": [...] }</c> (texts of at most 1,000 characters).</summary>
    public static readonly BodyLimit Predict = new(ApiRoutes.Predict, 512 * 1024,
        "{ \"text\", \"subject\" } or { \"inputs\": [{ \"text\", \"subject\" }] } (100 inputs at most)");

    /// <summary><c>{ "label", "by" }</c>: one person's label for one queued request.</summary>
    public static readonly BodyLimit Label = new(ApiRoutes.LabellingItem, 4 * 1024, "{ \"label\", \"by\" }");

    /// <summary>Routes that take no body (reads, terminate, purge, rollback): whatever is sent is refused unread.</summary>
    public static BodyLimit None(string route) => new(route, 0, "no body");

    /// <summary>Every route that takes a body, with its limit.</summary>
    public static IReadOnlyList<BodyLimit> WithBody { get; } = [StartRun, Event, Approval, Demonstrations, Feedback, Predict, Label];

    long? IRequestSizeLimitMetadata.MaxRequestBodySize => MaxBytes;

    /// <summary>The limit as people read it: <c>16 KB</c>, <c>1 MB</c>.</summary>
    public string Size => MaxBytes >= 1024 * 1024 && MaxBytes % (1024 * 1024) == 0 ? $"{MaxBytes / (1024 * 1024)} MB" : $"{MaxBytes / 1024.0:0.#} KB";
}
