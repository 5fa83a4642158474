namespace SelfImprove.Api.Pages;

/// <summary>
/// The team pages' routes, relative to the pages' base: <c>/ui</c> on <c>serve</c>, <c>/api/ui</c> on the Functions app
/// (its route prefix is <c>api</c>). The approval page stays on the API's approval link.
/// </summary>
public static class PageRoutes
{
    public const string Prefix = "ui";
    public const string Agent = "agents/{agentId}";
    public const string Run = "runs/{runId}";
    public const string SignIn = "sign-in";
    public const string SignOut = "sign-out";
}

/// <summary>Links between the team pages, from the pages' base path (<see cref="Of"/>), so both hosts' pages link within themselves.</summary>
/// <param name="Base">The base path without a trailing slash, e.g. <c>/ui</c> or <c>/api/ui</c>; empty for a page written to a file (links then go nowhere).</param>
public sealed record PageLinks(string Base)
{
    /// <summary>Links for a file written outside any server (<c>selfimprove report --html</c>): relative links that a reader can ignore.</summary>
    public static readonly PageLinks Offline = new("");

    public string Index => Base + "/";
    public string Agent(string agentId) => $"{Base}/agents/{Uri.EscapeDataString(agentId)}";
    public string Run(string runId) => $"{Base}/runs/{Uri.EscapeDataString(runId)}";
    public string SignIn => $"{Base}/{PageRoutes.SignIn}";
    public string SignOut => $"{Base}/{PageRoutes.SignOut}";

    /// <summary>The base of a request to a page: its path up to and including the <c>/ui</c> segment (path base included).</summary>
    public static PageLinks Of(Microsoft.AspNetCore.Http.HttpRequest request)
    {
        var path = $"{request.PathBase}{request.Path}";
        var segment = $"/{PageRoutes.Prefix}";
        var at = path.IndexOf(segment + "/", StringComparison.Ordinal);
        if (at < 0 && path.EndsWith(segment, StringComparison.Ordinal)) at = path.Length - segment.Length;
        return new PageLinks(at < 0 ? segment : path[..(at + segment.Length)]);
    }
}
