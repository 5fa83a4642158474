using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using SelfImprove.Core;

namespace SelfImprove.Api.Http;

/// <summary>
/// What a key may do. Each scope opens its own routes and every route of the scopes below it (see the README's route
/// table): <c>labeller</c> views the pages and labels the queue; <c>operator</c> also starts, ends and rolls back runs and
/// serves traffic; <c>admin</c> also purges runs and erases a subject's data.
/// </summary>
[JsonConverter(typeof(WireNameConverter<ApiScope>))]
public enum ApiScope
{
    /// <summary>Views the pages, reads runs, versions and deployments, labels the labelling queue.</summary>
    [JsonStringEnumMemberName("labeller")] Labeller = 1,

    /// <summary>Also starts, terminates and signals runs, demonstrates, predicts, sends feedback, stops trials and rolls back.</summary>
    [JsonStringEnumMemberName("operator")] Operator = 2,

    /// <summary>Everything: also purges runs and erases a subject's data.</summary>
    [JsonStringEnumMemberName("admin")] Admin = 3,
}

/// <summary>One named key: its secret and its scope (configuration <c>SelfImprove:ApiKeys:{name}:Key</c> and <c>:Scope</c>).</summary>
public sealed record ScopedApiKey(string Key, ApiScope Scope);

/// <summary>
/// The keys a server accepts, by name. The single key of earlier versions (<c>--key</c>, the Functions app's setting)
/// stays accepted as an <c>admin</c> key named <see cref="LegacyName"/>. No key at all: an open server (<c>serve --dev</c>).
/// Keys are compared in constant time (<see cref="CryptographicOperations.FixedTimeEquals"/>).
/// </summary>
public sealed partial class ApiKeyRing
{
    /// <summary>The configuration section of the named keys: <c>SelfImprove:ApiKeys:{name}:Key</c> and <c>:Scope</c>.</summary>
    public const string Section = "SelfImprove:ApiKeys";

    /// <summary>The name the single key (<c>--key</c>) has among the named keys.</summary>
    public const string LegacyName = "key";

    /// <summary>Shortest key accepted, in characters.</summary>
    public const int MinKeyLength = 16;

    private readonly Dictionary<string, ScopedApiKey> keys;

    private ApiKeyRing(Dictionary<string, ScopedApiKey> keys, bool allowOpen)
    {
        this.keys = keys;
        IsOpen = keys.Count == 0 && allowOpen;
    }

    /// <summary>A server without keys: every route and page is open (<c>serve --dev</c>).</summary>
    public static readonly ApiKeyRing Open = new(new Dictionary<string, ScopedApiKey>(StringComparer.Ordinal), allowOpen: true);

    /// <summary>Whether the server serves without keys. A ring made with <c>allowOpen: false</c> and no keys is closed: nothing signs in.</summary>
    public bool IsOpen { get; }

    /// <summary>The names of the keys, with their scopes.</summary>
    public IReadOnlyDictionary<string, ApiScope> Scopes => keys.ToDictionary(k => k.Key, k => k.Value.Scope, StringComparer.Ordinal);

    /// <summary>The ring of the single key and the named keys.</summary>
    /// <exception cref="ArgumentException">The keys break a rule of <see cref="Problems"/> (the message lists each).</exception>
    /// <param name="allowOpen">Whether no key at all means an open server (<c>serve --dev</c>); false: no key means nothing opens.</param>
    public static ApiKeyRing Create(string? singleKey, IReadOnlyDictionary<string, ScopedApiKey>? named, bool allowOpen = false)
    {
        var problems = Problems(named ?? new Dictionary<string, ScopedApiKey>());
        if (problems.Count > 0) throw new ArgumentException("API keys: " + string.Join(" ", problems));
        var keys = new Dictionary<string, ScopedApiKey>(named ?? new Dictionary<string, ScopedApiKey>(), StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(singleKey))
        {
            if (keys.ContainsKey(LegacyName)) throw new ArgumentException($"API keys: the name '{LegacyName}' is the single key's (--key); name the configured key otherwise.");
            keys[LegacyName] = new ScopedApiKey(singleKey, ApiScope.Admin);
        }
        if (keys.Values.GroupBy(k => k.Key, StringComparer.Ordinal).Any(g => g.Count() > 1))
            throw new ArgumentException("API keys: two names share one key; give each its own.");
        return new ApiKeyRing(keys, allowOpen);
    }

    /// <summary>What is wrong with the named keys, each naming its configuration path; empty when they can be used.</summary>
    public static IReadOnlyList<string> Problems(IReadOnlyDictionary<string, ScopedApiKey> named)
    {
        var problems = new List<string>();
        foreach (var (name, key) in named)
        {
            var path = $"{Section}:{name}";
            if (!KeyName().IsMatch(name)) problems.Add($"{path}: the name must be 1–64 letters, digits, '-' or '_'.");
            if (string.IsNullOrEmpty(key.Key) || key.Key.Length < MinKeyLength) problems.Add($"{path}:Key: give a key of at least {MinKeyLength} characters.");
            if (!Enum.IsDefined(key.Scope)) problems.Add($"{path}:Scope: {WireNames.OneOf<ApiScope>()}.");
        }
        return problems;
    }

    /// <summary>
    /// The named keys in configuration (<see cref="Section"/>): each child with <c>Key</c> and <c>Scope</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A scope is not one of <see cref="ApiScope"/>'s wire names (the message names its path).</exception>
    public static IReadOnlyDictionary<string, ScopedApiKey> Bind(IConfiguration configuration)
    {
        var named = new Dictionary<string, ScopedApiKey>(StringComparer.Ordinal);
        foreach (var child in configuration.GetSection(Section).GetChildren())
        {
            var scope = child["Scope"];
            if (!WireNames.TryParse<ApiScope>(scope, out var parsed))
                throw new ArgumentException($"{Section}:{child.Key}:Scope: '{scope}' {WireNames.OneOf<ApiScope>()}.");
            named[child.Key] = new ScopedApiKey(child["Key"] ?? "", parsed);
        }
        return named;
    }

    /// <summary>The name and scope of the key given, or null when it is none of the ring's.</summary>
    public (string Name, ApiScope Scope)? Match(string? given)
    {
        if (string.IsNullOrEmpty(given)) return null;
        var bytes = Encoding.UTF8.GetBytes(given);
        (string, ApiScope)? found = null;
        foreach (var (name, key) in keys) // every key compared, so the time does not tell which matched
            if (CryptographicOperations.FixedTimeEquals(bytes, Encoding.UTF8.GetBytes(key.Key))) found = (name, key.Scope);
        return found;
    }

    /// <summary>The key of that name, or null.</summary>
    public ScopedApiKey? Named(string name) => keys.GetValueOrDefault(name);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex KeyName();
}
