using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace SelfImprove.Api.Http;

/// <summary>Errors as <c>application/problem+json</c>: what went wrong, where, and how to fix it.</summary>
public static class ApiProblems
{
    public static IResult Problem(HttpRequest request, int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(detail: detail, instance: request.Path, statusCode: status, title: title, extensions: extensions);

    public static IResult UnknownAgent(HttpRequest request, string agentId, IEnumerable<string> known) =>
        Problem(request, StatusCodes.Status404NotFound, "Unknown agent",
            $"No agent '{agentId}' is registered here. Known agents: {string.Join(", ", known)}.");

    public static IResult UnknownRun(HttpRequest request, string runId) =>
        Problem(request, StatusCodes.Status404NotFound, "Unknown run",
            $"No improvement run '{runId}' exists (run ids look like '<agentId>-<number>'; it may have been purged).");

    /// <summary>400 with one message per JSON path, like ASP.NET Core's validation problems.</summary>
    public static IResult Invalid(HttpRequest request, IDictionary<string, string[]> errors) =>
        Results.ValidationProblem(errors, detail: string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")), instance: request.Path,
            title: "Invalid request body");

    /// <summary>Reads a JSON body; a missing body gives <paramref name="empty"/>, malformed JSON a problem naming the path.</summary>
    public static async Task<(T? Body, IResult? Problem)> ReadBodyAsync<T>(HttpRequest request, T? empty = null) where T : class
    {
        if (request.ContentLength == 0) return (empty, null);
        try
        {
            using var reader = new StreamReader(request.Body);
            var text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
            if (string.IsNullOrWhiteSpace(text)) return (empty, null);
            return (JsonSerializer.Deserialize<T>(text, Json), null);
        }
        catch (JsonException e)
        {
            var path = string.IsNullOrEmpty(e.Path) ? "$" : e.Path;
            var message = e.Message.Contains("could not be mapped", StringComparison.Ordinal)
                ? $"unknown property; this route takes {string.Join(", ", typeof(T).GetProperties().Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)))}."
                : $"not valid JSON for this route: {FirstLine(e.Message)}";
            return (null, Invalid(request, new Dictionary<string, string[]> { [path] = [message] }));
        }
    }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
