using System.Collections;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace SelfImprove.Api.Http;

/// <summary>Errors as <c>application/problem+json</c>: what went wrong, where, and how to fix it.</summary>
public static partial class ApiProblems
{
    /// <summary>The one media type the API reads (a <c>charset=utf-8</c> parameter is allowed).</summary>
    public const string JsonMediaType = "application/json";

    public static IResult Problem(HttpRequest request, int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(detail: detail, instance: request.Path, statusCode: status, title: title, extensions: extensions);

    public static IResult UnknownAgent(HttpRequest request, string agentId, IEnumerable<string> known) =>
        Problem(request, StatusCodes.Status404NotFound, "Unknown agent",
            $"No agent '{agentId}' is registered here. Known agents: {string.Join(", ", known)}.");

    public static IResult UnknownRun(HttpRequest request, string runId) =>
        Problem(request, StatusCodes.Status404NotFound, "Unknown run",
            $"No improvement run '{runId}' exists (run ids look like '<agentId>-<number>'; it may have been purged).");

    /// <summary>
    /// The approval webhook's one refusal for a token that does not open the run: wrong, missing, another run's, or a
    /// run that does not exist all read the same, so the open route tells a stranger nothing about which runs exist.
    /// </summary>
    public static IResult InvalidApprovalToken(HttpRequest request) =>
        Problem(request, StatusCodes.Status403Forbidden, "Invalid approval token",
            "The token does not authorise a decision on this run. Use the whole link from the run's approval notification.");

    /// <summary>400 with one message per JSON path, like ASP.NET Core's validation problems.</summary>
    public static IResult Invalid(HttpRequest request, IDictionary<string, string[]> errors) =>
        Results.ValidationProblem(errors, detail: string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")), instance: request.Path,
            title: "Invalid request body");

    /// <summary>413: the body is larger than the route's limit.</summary>
    public static IResult TooLarge(HttpRequest request, BodyLimit limit) =>
        Problem(request, StatusCodes.Status413PayloadTooLarge, "Request body too large",
            $"This route takes a body of at most {limit.MaxBytes} bytes ({limit.Size}): {limit.Carries}.",
            new Dictionary<string, object?> { ["maxBodyBytes"] = limit.MaxBytes });

    /// <summary>415: the body is not declared as UTF-8 JSON.</summary>
    public static IResult UnsupportedMediaType(HttpRequest request, BodyLimit limit) =>
        Problem(request, StatusCodes.Status415UnsupportedMediaType, "Unsupported content type",
            $"Send the body as '{JsonMediaType}' (optionally '; charset=utf-8'), not '{Shorten(request.ContentType ?? "none")}': {limit.Carries}.");

    /// <summary>
    /// Reads the route's JSON body. In order: a missing body gives <paramref name="empty"/>; a body not declared as
    /// <c>application/json</c> gets 415; one over <paramref name="limit"/> gets 413 (from its <c>Content-Length</c>
    /// before anything is read, or after reading at most <see cref="BodyLimit.MaxBytes"/> + 1 bytes, whatever the host);
    /// one arriving too slowly for the server gets 408; malformed JSON or a wrong shape gets 400 naming each path and
    /// what was expected there.
    /// </summary>
    public static async Task<(T? Body, IResult? Problem)> ReadBodyAsync<T>(HttpRequest request, BodyLimit limit, T? empty = null) where T : class
    {
        if (!HasBody(request)) return (empty, null);
        if (!IsJson(request.ContentType)) return (null, Unread(request, UnsupportedMediaType(request, limit)));
        if (request.ContentLength > limit.MaxBytes) return (null, Unread(request, TooLarge(request, limit)));
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size
            && (size.MaxRequestBodySize is null || size.MaxRequestBodySize > limit.MaxBytes))
            size.MaxRequestBodySize = limit.MaxBytes;

        byte[]? bytes;
        try
        {
            bytes = await ReadAtMostAsync(request.Body, limit.MaxBytes, request.HttpContext.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Unread(request, TooLarge(request, limit)));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status408RequestTimeout)
        {
            return (null, Unread(request, Problem(request, StatusCodes.Status408RequestTimeout, "Request body too slow",
                "The body arrived more slowly than the server's minimum data rate; send it at once (it is small: " +
                $"at most {limit.MaxBytes} bytes).")));
        }
        if (bytes is null) return (null, Unread(request, TooLarge(request, limit)));
        if (bytes.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')) return (empty, null);
        try
        {
            return (JsonSerializer.Deserialize<T>(bytes, Json), null);
        }
        catch (JsonException e)
        {
            var (path, message) = Explain<T>(e);
            return (null, Invalid(request, new Dictionary<string, string[]> { [path] = [message] }));
        }
    }

    /// <summary>
    /// A refusal that leaves (part of) the body unread: the connection closes after the answer, so the server neither
    /// reads the rest nor has a client send its next request on a connection still carrying this one's body.
    /// </summary>
    public static IResult Unread(HttpRequest request, IResult refusal)
    {
        if (HasBody(request)) request.HttpContext.Response.Headers.Connection = "close";
        return refusal;
    }

    /// <summary>Whether the request has a body to read (a <c>Content-Length</c> above 0, or a chunked body).</summary>
    public static bool HasBody(HttpRequest request) =>
        request.ContentLength is > 0
        || request.ContentLength is null && (request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? true);

    /// <summary><c>application/json</c>, with at most a UTF-8 <c>charset</c> parameter.</summary>
    public static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals(JsonMediaType, StringComparison.OrdinalIgnoreCase)
        && media.Parameters.All(p => p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase)
                                     && (p.Value.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || p.Value.Equals("\"utf-8\"", StringComparison.OrdinalIgnoreCase)));

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The body, or null when it is longer than <paramref name="max"/> bytes (at most max + 1 bytes are read).</summary>
    private static async Task<byte[]?> ReadAtMostAsync(Stream body, long max, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (true)
        {
            var want = (int)Math.Min(chunk.Length, max + 1 - buffer.Length);
            var read = await body.ReadAsync(chunk.AsMemory(0, want), cancellationToken);
            if (read == 0) return buffer.ToArray();
            buffer.Write(chunk, 0, read);
            if (buffer.Length > max) return null;
        }
    }

    /// <summary>A serializer error in the caller's terms: the JSON path and what was expected there, never a .NET type.</summary>
    private static (string Path, string Message) Explain<T>(JsonException e)
    {
        var path = string.IsNullOrEmpty(e.Path) ? "$" : e.Path;
        if (UnmappedProperty().Match(e.Message) is { Success: true } unmapped)
        {
            var name = unmapped.Groups[1].Value;
            var owner = TypeAt(typeof(T), path);
            var property = path.EndsWith("." + name, StringComparison.Ordinal) ? path : $"{path}.{name}";
            var parent = property[..property.LastIndexOf('.')];
            owner = TypeAt(typeof(T), parent) ?? owner;
            return (property, owner is null || IsScalar(owner)
                ? "unknown property."
                : $"unknown property; {(parent == "$" ? "this route takes" : "here the object takes")} {string.Join(", ", owner.GetProperties().Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)))}.");
        }
        if (e.InnerException is JsonException || e.Message.Contains("invalid", StringComparison.OrdinalIgnoreCase) && !e.Message.Contains("could not be converted", StringComparison.Ordinal)
            || e.Message.Contains("depth", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("end of the JSON", StringComparison.OrdinalIgnoreCase))
            return (path, $"not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}); send one JSON object.");
        return (path, $"expected {Describe(TypeAt(typeof(T), path))}.");
    }

    /// <summary>The type the body has at a JSON path such as <c>$.samples[2].label</c>; null when the path leaves the type.</summary>
    private static Type? TypeAt(Type root, string path)
    {
        var type = root;
        foreach (Match step in PathStep().Matches(path))
        {
            if (type is null) return null;
            if (step.Groups["index"].Success) type = ElementType(type);
            else
            {
                var name = step.Groups["name"].Success ? step.Groups["name"].Value : step.Groups["quoted"].Value;
                type = type.GetProperties().FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))?.PropertyType;
            }
        }
        return type;
    }

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    private static bool IsScalar(Type type) => type.IsPrimitive || type == typeof(string) || type == typeof(decimal) || Nullable.GetUnderlyingType(type) is not null;

    private static string Describe(Type? type)
    {
        if (type is null) return "a value of the documented shape";
        var inner = Nullable.GetUnderlyingType(type) ?? type;
        var what = inner == typeof(string) ? "a string"
            : inner == typeof(bool) ? "true or false"
            : inner == typeof(int) || inner == typeof(long) ? "a whole number"
            : inner == typeof(double) || inner == typeof(float) || inner == typeof(decimal) ? "a number"
            : inner == typeof(DateTimeOffset) || inner == typeof(DateTime) ? "a date and time such as \"2025-01-31T12:00:00Z\""
            : inner.IsEnum ? "one of " + string.Join(", ", Enum.GetNames(inner).Select(n => $"\"{JsonNamingPolicy.CamelCase.ConvertName(n)}\""))
            : inner != typeof(string) && typeof(IEnumerable).IsAssignableFrom(inner) ? "an array"
            : "an object";
        return what;
    }

    private static string Shorten(string text) => text.Length <= 100 ? text : text[..100] + "…";

    [GeneratedRegex("property '([^']*)' could not be mapped")]
    private static partial Regex UnmappedProperty();

    [GeneratedRegex(@"\.(?<name>[A-Za-z0-9_$-]+)|\['(?<quoted>[^']*)'\]|\[(?<index>[0-9]+)\]")]
    private static partial Regex PathStep();
}
