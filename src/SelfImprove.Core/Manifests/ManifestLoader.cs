using System.Text.Json;
using System.Text.Json.Serialization;
using FluentValidation;
using FluentValidation.Results;
using SelfImprove.Core.Alignment;

namespace SelfImprove.Core.Manifests;

/// <summary>Reads an agent manifest and its constitution, and reports every problem with its JSON path.</summary>
public static class ManifestLoader
{
    /// <summary>Options for manifest-shaped JSON: camelCase, comments allowed, unknown properties refused (a typo must not be silently ignored).</summary>
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectRequiredConstructorParameters = true,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Every <c>*.agent.json</c> in <paramref name="folder"/>, in ordinal name order, each loaded and validated as by <see cref="Load"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static IReadOnlyList<LoadedManifest> LoadFolder(string folder) =>
        Directory.EnumerateFiles(folder, "*.agent.json").Order(StringComparer.Ordinal).Select(Load).ToArray();

    /// <summary>Loads and validates; throws <see cref="ManifestValidationException"/> listing every problem.</summary>
    public static LoadedManifest Load(string manifestPath)
    {
        var (loaded, errors) = TryLoad(manifestPath);
        return loaded ?? throw new ManifestValidationException(errors);
    }

    /// <summary>
    /// The loaded manifest with changes made after loading (e.g. command-line options), validated again by the same
    /// rules; problems are reported against the file with <paramref name="origin"/> named.
    /// </summary>
    public static LoadedManifest WithChanges(LoadedManifest loaded, AgentManifest changed, string origin)
    {
        var errors = ToErrors($"{loaded.FilePath} ({origin})", new AgentManifestValidator(loaded.Directory).Validate(changed));
        return errors.Count > 0 ? throw new ManifestValidationException(errors) : loaded with { Manifest = changed };
    }

    /// <summary>Loads and validates; returns the manifest, or null and the problems.</summary>
    public static (LoadedManifest? Manifest, IReadOnlyList<ManifestError> Errors) TryLoad(string manifestPath)
    {
        var fullPath = Path.GetFullPath(manifestPath);
        var manifest = ReadJson<AgentManifest>(manifestPath, fullPath, out var readError);
        if (manifest is null) return (null, [readError!]);

        var directory = Path.GetDirectoryName(fullPath)!;
        var errors = ToErrors(manifestPath, new AgentManifestValidator(directory).Validate(manifest));
        if (errors.Count > 0) return (null, errors);

        var constitutionPath = Path.Combine(directory, manifest.Alignment.Constitution);
        var constitution = ReadJson<Constitution>(constitutionPath, constitutionPath, out readError);
        if (constitution is null) return (null, [readError!]);
        errors = ToErrors(constitutionPath, new ConstitutionValidator(manifest).Validate(constitution));
        if (errors.Count > 0) return (null, errors);

        // Alignment environments judged under a constitution of their own.
        var environmentConstitutions = new Dictionary<string, Constitution>(StringComparer.Ordinal);
        foreach (var path in manifest.Alignment.Environments.Select(e => e.Constitution).OfType<string>().Where(p => p.Length > 0).Distinct())
        {
            var full = Path.Combine(directory, path);
            var other = ReadJson<Constitution>(full, full, out readError);
            if (other is null) return (null, [readError!]);
            errors = ToErrors(full, new ConstitutionValidator(manifest).Validate(other));
            if (errors.Count > 0) return (null, errors);
            environmentConstitutions[path] = other;
        }
        return (new LoadedManifest(manifest, constitution, fullPath) { EnvironmentConstitutions = environmentConstitutions }, []);
    }

    private static T? ReadJson<T>(string displayPath, string fullPath, out ManifestError? error) where T : class
    {
        error = null;
        if (!File.Exists(fullPath))
        {
            error = new ManifestError(displayPath, "$", $"file not found: '{Path.GetFullPath(fullPath)}'.");
            return null;
        }
        try
        {
            using var stream = File.OpenRead(fullPath);
            var value = JsonSerializer.Deserialize<T>(stream, JsonOptions);
            if (value is null) error = new ManifestError(displayPath, "$", "must be a JSON object, not null.");
            return value;
        }
        catch (JsonException ex)
        {
            error = new ManifestError(displayPath, ex.Path ?? "$", DescribeJsonError(ex));
            return null;
        }
    }

    /// <summary>System.Text.Json's messages name CLR types; say what the file should contain instead.</summary>
    private static string DescribeJsonError(JsonException ex)
    {
        if (ex is WireNameException) return ex.Message;
        var message = ex.Message;
        if (message.Contains("missing required properties including: ", StringComparison.Ordinal))
            return $"must have {message.Split("including: ")[1].TrimEnd('.')}.";
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
            return "is not a known property (check its spelling against docs/agent-manifest.schema.json).";
        if (message.Contains("System.TimeSpan", StringComparison.Ordinal))
            return "must be a duration written as \"[d.]hh:mm:ss\", e.g. \"06:00:00\" or \"1.00:00:00\".";
        if (message.Contains("System.Double", StringComparison.Ordinal) || message.Contains("System.Int32", StringComparison.Ordinal))
            return "must be a number.";
        if (message.Contains("System.String", StringComparison.Ordinal))
            return "must be a string.";
        if (message.Contains("System.Boolean", StringComparison.Ordinal))
            return "must be true or false.";
        var line = ex.LineNumber is { } l ? $" (line {l + 1})" : "";
        return $"is not valid JSON here{line}: {message.Split(" Path:")[0]}";
    }

    private static List<ManifestError> ToErrors(string file, ValidationResult result) =>
        result.Errors.Select(f => new ManifestError(file, JsonPaths.FromPropertyPath(f.PropertyName), f.ErrorMessage)).ToList();
}
