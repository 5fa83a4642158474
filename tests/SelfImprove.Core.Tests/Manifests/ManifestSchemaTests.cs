using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using SelfImprove.Core;
using SelfImprove.Core.Alignment;
using SelfImprove.Core.Manifests;
using SelfImprove.Testing;

namespace SelfImprove.Core.Tests.Manifests;

/// <summary>
/// Keeps <c>docs/agent-manifest.schema.json</c>, <c>docs/constitution.schema.json</c> and <c>docs/agent-manifest.md</c>
/// in step with the C# model the loader binds to: same properties at every level, same types, same enums, same defaults.
/// </summary>
public sealed class ManifestSchemaTests
{
    private static readonly string Docs = Path.Combine(RepositoryPaths.Root, "docs");
    private static readonly JsonSchemaFile ManifestSchema = JsonSchemaFile.Load(Path.Combine(Docs, "agent-manifest.schema.json"));
    private static readonly JsonSchemaFile ConstitutionSchema = JsonSchemaFile.Load(Path.Combine(Docs, "constitution.schema.json"));

    /// <summary>Every enum in the manifest schema, by the JSON path it applies to, the C# enum bound there, and the strings the schema must list.</summary>
    private static readonly (string Path, Type Enum, IReadOnlyList<string> Allowed)[] ManifestEnums =
    [
        WireEnum<GoalMetric>("$.goal.metric"),
        WireEnum<GoalObjective>("$.goal.objective"),
        WireEnum<DataSourceKind>("$.data.source"),
        WireEnum<DataGenerator>("$.data.generator.name"),
        WireEnum<DataFileFormat>("$.data.pool.format"),
        WireEnum<DataFileFormat>("$.data.validation.format"),
        WireEnum<DataFileFormat>("$.data.evaluation.format"),
        WireEnum<DataFileFormat>("$.data.production.format"),
        WireEnum<AgentKind>("$.planner.kind"),
        WireEnum<SelectionRule>("$.planner.selectionRule"),
        WireEnum<AgentKind>("$.teacher.kind"),
        ("$.teacher.specialists[].kind", typeof(AgentKind), AgentKinds.Llm.Select(k => k.ToWire()).ToArray()),
        WireEnum<AgentKind>("$.feedback.kind"),
        WireEnum<TrainerKind>("$.training.trainer"),
        WireEnum<ComputeTarget>("$.training.compute.target"),
        WireEnum<GoalMetric>("$.evaluation.metrics[]"),
        WireEnum<PromotionRule>("$.deployment.promotionRule"),
        WireEnum<TrialTimeoutAction>("$.deployment.onTimeout"),
        WireEnum<ProbeSource>("$.alignment.environments[].source"),
        WireEnum<DataFileFormat>("$.alignment.environments[].file.format"),
    ];

    private static (string, Type, IReadOnlyList<string>) WireEnum<T>(string path) where T : struct, Enum => (path, typeof(T), WireNames.All<T>());

    [Fact]
    public void The_schemas_are_draft_2020_12_and_closed_at_the_root()
    {
        foreach (var schema in new[] { ManifestSchema, ConstitutionSchema })
        {
            Assert.Equal("https://json-schema.org/draft/2020-12/schema", (string?)schema.Root["$schema"]);
            Assert.Equal("object", (string?)schema.Root["type"]);
            Assert.False(string.IsNullOrWhiteSpace((string?)schema.Root["description"]), $"{schema.Name}: the root needs a description.");
        }
    }

    [Fact]
    public void The_manifest_schema_declares_exactly_the_properties_of_AgentManifest_at_every_level()
    {
        var walk = SchemaWalk.Run(typeof(AgentManifest), ManifestSchema);

        Assert.True(walk.Problems.Count == 0, Report(ManifestSchema, walk.Problems));
        // The walk must have reached the deepest records, or a broken $ref could hide whole sections.
        Assert.Contains("$.training.hyperParameters.warmStart", walk.Visited);
        Assert.Contains("$.data.production.labelColumn", walk.Visited);
        Assert.Contains("$.labels[].action", walk.Visited);
        Assert.Contains("$.goal.acceptableRange.max", walk.Visited);
    }

    [Fact]
    public void The_training_job_schema_declares_exactly_the_properties_of_TrainingJobSpec()
    {
        var schema = JsonSchemaFile.Load(Path.Combine(Docs, "training-job.schema.json"));

        var walk = SchemaWalk.Run(typeof(Core.Training.TrainingJobSpec), schema);

        Assert.True(walk.Problems.Count == 0, Report(schema, walk.Problems));
        Assert.Contains("$.data[].sha256", walk.Visited);
        Assert.Contains("$.compute.timeout", walk.Visited);
        Assert.Equal(WireNames.All<ComputeTarget>(), walk.Enums["$.compute.target"]);
    }

    [Fact]
    public void Each_manifest_enum_lists_the_strings_of_its_CSharp_enum()
    {
        var walk = SchemaWalk.Run(typeof(AgentManifest), ManifestSchema);
        var problems = new List<string>();

        foreach (var (path, type, expected) in ManifestEnums)
        {
            if (!walk.Enums.TryGetValue(path, out var actual))
                problems.Add($"{path}: the schema has no enum; expected [{string.Join(", ", expected)}] from {type.Name}.");
            else if (!actual.SequenceEqual(expected))
                problems.Add($"{path}: the schema's enum is [{string.Join(", ", actual)}] but {type.Name} is written as [{string.Join(", ", expected)}].");
            if (walk.EnumTypes.GetValueOrDefault(path) != type)
                problems.Add($"{path}: the C# model binds {walk.EnumTypes.GetValueOrDefault(path)?.Name ?? "no enum"} here, not {type.Name}.");
        }
        foreach (var path in walk.Enums.Keys.Union(walk.EnumTypes.Keys).Except(ManifestEnums.Select(e => e.Path)))
            problems.Add($"{path}: an enum (in the schema or the C# model) that this test does not tie to a C# enum; add it to {nameof(ManifestEnums)}.");

        Assert.True(problems.Count == 0, Report(ManifestSchema, problems));
    }

    [Fact]
    public void Every_enum_of_the_manifest_has_an_enum_in_the_schema()
    {
        var enums = typeof(AgentManifest).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(AgentManifest).Namespace && t.IsEnum)
            .Select(t => t.Name)
            .ToHashSet();

        var tied = ManifestEnums.Select(e => e.Enum.Name).ToHashSet();

        Assert.Empty(enums.Except(tied));
    }

    [Fact]
    public void The_constitution_schema_declares_exactly_the_properties_of_Constitution()
    {
        var walk = SchemaWalk.Run(typeof(Constitution), ConstitutionSchema);

        Assert.True(walk.Problems.Count == 0, Report(ConstitutionSchema, walk.Problems));
        Assert.Contains("$.situations[].reason", walk.Visited);
        Assert.Empty(walk.Enums);
    }

    [Fact]
    public void The_shipped_manifest_uses_only_properties_the_schema_declares()
    {
        var manifest = JsonNode.Parse(File.ReadAllText(RepositoryPaths.SupportRouterManifest), documentOptions: JsonDocumentOptionsForManifests)!.AsObject();
        var topLevel = ManifestSchema.PropertiesOf(ManifestSchema.Root)!;

        var undeclared = manifest.Select(p => p.Key).Where(key => !topLevel.ContainsKey(key)).ToArray();
        Assert.True(undeclared.Length == 0, $"Top-level keys of the shipped manifest missing from the schema: {string.Join(", ", undeclared)}.");
        var problems = new List<string>();
        ManifestSchema.CheckKeysDeclared(manifest, ManifestSchema.Root, "$", problems);
        Assert.True(problems.Count == 0, Report(ManifestSchema, problems));
    }

    [Fact]
    public void The_shipped_constitution_uses_only_properties_the_schema_declares()
    {
        var path = Path.Combine(RepositoryPaths.Workflows, "constitutions", "support-router.json");
        var constitution = JsonNode.Parse(File.ReadAllText(path), documentOptions: JsonDocumentOptionsForManifests)!.AsObject();

        var problems = new List<string>();
        ConstitutionSchema.CheckKeysDeclared(constitution, ConstitutionSchema.Root, "$", problems);

        Assert.True(problems.Count == 0, Report(ConstitutionSchema, problems));
    }

    [Fact]
    public void The_reference_documents_every_manifest_property()
    {
        var reference = File.ReadAllText(Path.Combine(Docs, "agent-manifest.md"));
        var walk = SchemaWalk.Run(typeof(AgentManifest), ManifestSchema);

        // Each field appears in a table row as `name` in the first column.
        var undocumented = walk.Visited
            .Select(path => path[(path.LastIndexOf('.') + 1)..])
            .Distinct()
            .Where(name => !reference.Contains($"| `{name}` |", StringComparison.Ordinal))
            .ToArray();

        Assert.Empty(undocumented);
    }

    [Fact]
    public void The_example_in_the_reference_is_a_valid_files_based_agent()
    {
        var reference = File.ReadAllText(Path.Combine(Docs, "agent-manifest.md"));
        var manifestJson = ExampleBlock(reference, "example-manifest");
        var constitutionJson = ExampleBlock(reference, "example-constitution");
        using var folder = new TempDirectory();

        var manifestNode = JsonNode.Parse(manifestJson, documentOptions: JsonDocumentOptionsForManifests)!.AsObject();
        Assert.Equal("files", (string?)manifestNode["data"]!["source"]);
        var problems = new List<string>();
        ManifestSchema.CheckKeysDeclared(manifestNode, ManifestSchema.Root, "$", problems);
        Assert.True(problems.Count == 0, Report(ManifestSchema, problems));

        // Write the manifest, its constitution and (empty) data files where the manifest says, then load it as the CLI does.
        var manifestPath = folder.Combine("example.agent.json");
        File.WriteAllText(manifestPath, manifestJson);
        var constitutionPath = Path.Combine(folder.Path, (string)manifestNode["alignment"]!["constitution"]!);
        Directory.CreateDirectory(Path.GetDirectoryName(constitutionPath)!);
        File.WriteAllText(constitutionPath, constitutionJson);
        foreach (var set in new[] { "pool", "validation", "evaluation", "production" })
        {
            var dataPath = Path.Combine(folder.Path, (string)manifestNode["data"]![set]!["path"]!);
            Directory.CreateDirectory(Path.GetDirectoryName(dataPath)!);
            File.WriteAllText(dataPath, "");
        }

        var (loaded, errors) = ManifestLoader.TryLoad(manifestPath);

        Assert.True(loaded is not null, string.Join(Environment.NewLine, errors));
    }

    private static readonly JsonDocumentOptions JsonDocumentOptionsForManifests = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private static string ExampleBlock(string markdown, string marker)
    {
        var match = Regex.Match(markdown, $@"<!-- {Regex.Escape(marker)} -->\s*```json\r?\n(?<json>.*?)```", RegexOptions.Singleline);
        Assert.True(match.Success, $"docs/agent-manifest.md has no ```json block after <!-- {marker} -->.");
        return match.Groups["json"].Value;
    }

    private static string Report(JsonSchemaFile schema, IReadOnlyList<string> problems) =>
        $"{schema.Name} is out of step with the C# model ({problems.Count} problem(s)):{Environment.NewLine}  " +
        string.Join(Environment.NewLine + "  ", problems);

    /// <summary>
    /// Walks a C# record type and the schema side by side: property names, JSON types, <c>additionalProperties: false</c>,
    /// descriptions, <c>required</c> and <c>default</c> values. Collects the enum of every string property, and the C# enum bound to it, on the way.
    /// </summary>
    private sealed class SchemaWalk
    {
        private static readonly NullabilityInfoContext Nullability = new();
        private readonly JsonSchemaFile schema;

        private SchemaWalk(JsonSchemaFile schema) => this.schema = schema;

        public List<string> Problems { get; } = [];
        public List<string> Visited { get; } = [];
        public Dictionary<string, IReadOnlyList<string>> Enums { get; } = [];
        public Dictionary<string, Type> EnumTypes { get; } = [];

        public static SchemaWalk Run(Type rootType, JsonSchemaFile schema)
        {
            var walk = new SchemaWalk(schema);
            walk.CompareObject(rootType, schema.Root, "$");
            return walk;
        }

        private void CompareObject(Type type, JsonNode schemaNode, string path)
        {
            var node = schema.ObjectBranch(schemaNode);
            if (node is null)
            {
                Problems.Add($"{path}: the schema does not describe an object here ({type.Name} is a record).");
                return;
            }
            if (node["additionalProperties"] is not JsonValue closed || closed.GetValueKind() != JsonValueKind.False)
                Problems.Add($"{path}: needs \"additionalProperties\": false (the loader refuses unknown properties).");

            var declared = schema.PropertiesOf(node) ?? new JsonObject();
            var model = BoundProperties(type);
            foreach (var name in model.Keys.Where(n => !declared.ContainsKey(n)))
                Problems.Add($"{Join(path, name)}: missing from the schema ({type.Name}.{model[name].Name}).");
            foreach (var name in declared.Select(p => p.Key).Where(n => !model.ContainsKey(n)))
                Problems.Add($"{Join(path, name)}: declared by the schema but {type.Name} has no such property.");

            var required = (node["required"] as JsonArray ?? new JsonArray()).Select(r => (string)r!).ToArray();
            foreach (var name in required.Where(n => !declared.ContainsKey(n)))
                Problems.Add($"{Join(path, name)}: listed in \"required\" but not declared.");

            var defaults = Activator.CreateInstance(type)!;
            foreach (var (name, property) in model)
            {
                if (declared[name] is not { } propertySchema) continue;
                CompareProperty(property, propertySchema, Join(path, name), required.Contains(name), property.GetValue(defaults));
            }
        }

        private void CompareProperty(PropertyInfo property, JsonNode propertySchema, string path, bool required, object? defaultValue)
        {
            Visited.Add(path);
            if (string.IsNullOrWhiteSpace((string?)propertySchema["description"]))
                Problems.Add($"{path}: needs a \"description\".");

            var nullable = Nullable.GetUnderlyingType(property.PropertyType) is not null
                           || Nullability.Create(property).ReadState == NullabilityState.Nullable;
            if (nullable && required)
                Problems.Add($"{path}: is nullable in C# ({property.DeclaringType!.Name}.{property.Name}) and so must not be \"required\".");

            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            CompareValue(type, propertySchema, path, nullable);

            var schemaDefault = schema.Keyword(propertySchema, "default");
            if (schemaDefault is not null && defaultValue is not null)
            {
                var modelDefault = JsonSerializer.SerializeToNode(defaultValue, property.PropertyType, ManifestLoader.JsonOptions);
                if (!JsonSchemaFile.SameValue(schemaDefault, modelDefault))
                    Problems.Add($"{path}: the schema's default is {schemaDefault.ToJsonString()} but {property.DeclaringType!.Name}.{property.Name} defaults to {modelDefault?.ToJsonString()}.");
            }
            else if (schemaDefault is null && defaultValue is not null && !required && !IsRecord(type))
            {
                Problems.Add($"{path}: needs a \"default\" ({property.DeclaringType!.Name}.{property.Name} defaults to {JsonSerializer.Serialize(defaultValue, property.PropertyType, ManifestLoader.JsonOptions)}).");
            }
        }

        private void CompareValue(Type type, JsonNode valueSchema, string path, bool nullable)
        {
            var expected = JsonTypeOf(type);
            var declaredTypes = schema.TypesOf(valueSchema);
            if (!declaredTypes.Contains(expected))
                Problems.Add($"{path}: the schema's type is [{string.Join(", ", declaredTypes)}]; {type.Name} needs \"{expected}\".");
            if (!nullable && declaredTypes.Contains("null"))
                Problems.Add($"{path}: the schema allows null but {type.Name} is not nullable.");

            if (type == typeof(TimeSpan) && schema.Keyword(valueSchema, "pattern") is null)
                Problems.Add($"{path}: a duration needs a \"pattern\" for \"[-][d.]hh:mm:ss[.fffffff]\".");

            if (schema.Keyword(valueSchema, "enum") is JsonArray values)
                Enums[path] = values.Where(v => v is not null).Select(v => (string)v!).ToArray();
            if (type.IsEnum)
                EnumTypes[path] = type;

            if (expected == "array")
            {
                var element = ElementType(type);
                if (schema.Keyword(valueSchema, "items") is not { } items)
                    Problems.Add($"{path}: an array needs \"items\".");
                else if (IsRecord(element))
                    CompareObject(element, items, path + "[]");
                else
                    CompareValue(element, items, path + "[]", nullable: false);
            }
            else if (expected == "object")
            {
                CompareObject(type, valueSchema, path);
            }
        }

        private static Dictionary<string, PropertyInfo> BoundProperties(Type type) =>
            type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.SetMethod is { IsPublic: true } && p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
                .ToDictionary(
                    p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name),
                    StringComparer.Ordinal);

        private static string JsonTypeOf(Type type)
        {
            if (type == typeof(string) || type == typeof(TimeSpan) || type.IsEnum) return "string";
            if (type == typeof(bool)) return "boolean";
            if (type == typeof(int) || type == typeof(long)) return "integer";
            if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return "number";
            if (typeof(IEnumerable).IsAssignableFrom(type)) return "array";
            return "object";
        }

        private static Type ElementType(Type listType) =>
            listType.IsArray
                ? listType.GetElementType()!
                : listType.GetInterfaces().Append(listType)
                    .First(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))
                    .GetGenericArguments()[0];

        private static bool IsRecord(Type type) => JsonTypeOf(type) == "object";

        private static string Join(string path, string name) => $"{path}.{name}";
    }

    /// <summary>A JSON schema file with just enough of the keywords resolved (<c>$ref</c>, <c>anyOf</c>, <c>oneOf</c>) to compare it with C#.</summary>
    private sealed class JsonSchemaFile
    {
        private JsonSchemaFile(string name, JsonObject root) => (Name, Root) = (name, root);

        public string Name { get; }
        public JsonObject Root { get; }

        public static JsonSchemaFile Load(string path)
        {
            Assert.True(File.Exists(path), $"{path} is missing.");
            var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            return new JsonSchemaFile("docs/" + Path.GetFileName(path), root);
        }

        /// <summary>The node a local <c>$ref</c> ("#/$defs/x") points to; the node itself when it has none.</summary>
        public JsonNode Resolve(JsonNode node)
        {
            for (var hops = 0; node is JsonObject o && o["$ref"] is JsonValue reference; hops++)
            {
                Assert.True(hops < 16, $"{Name}: $ref loop at {reference}.");
                var pointer = (string)reference!;
                Assert.StartsWith("#/", pointer);
                JsonNode? target = Root;
                foreach (var token in pointer[2..].Split('/'))
                    target = target?[token.Replace("~1", "/").Replace("~0", "~")];
                node = target ?? throw new Xunit.Sdk.XunitException($"{Name}: $ref '{pointer}' points nowhere.");
            }
            return node;
        }

        /// <summary>The schema's alternatives for a value: itself, or each branch of anyOf / oneOf, with $ref resolved.</summary>
        private IEnumerable<JsonNode> Branches(JsonNode node)
        {
            var resolved = Resolve(node);
            if (resolved["anyOf"] is JsonArray anyOf) return anyOf.SelectMany(b => Branches(b!));
            if (resolved["oneOf"] is JsonArray oneOf) return oneOf.SelectMany(b => Branches(b!));
            return [resolved];
        }

        /// <summary>The JSON types a value may have.</summary>
        public IReadOnlyList<string> TypesOf(JsonNode node) =>
            Branches(node)
                .SelectMany(b => b["type"] switch
                {
                    JsonArray many => many.Select(t => (string)t!),
                    JsonValue one => [(string)one!],
                    _ => [],
                })
                .Distinct()
                .ToArray();

        /// <summary>A keyword on the property node, else on the (non-null) branch it resolves to.</summary>
        public JsonNode? Keyword(JsonNode node, string keyword) =>
            node[keyword] ?? Branches(node).Select(b => b[keyword]).FirstOrDefault(k => k is not null);

        /// <summary>The branch that describes an object (has "type": "object"), or null.</summary>
        public JsonObject? ObjectBranch(JsonNode node) =>
            Branches(node).OfType<JsonObject>().SingleOrDefault(b => b["type"] is JsonValue t && (string?)t == "object");

        public JsonObject? PropertiesOf(JsonNode objectSchema) => ObjectBranch(objectSchema)?["properties"] as JsonObject;

        /// <summary>Every key of <paramref name="document"/>, at every depth, must be declared where it appears.</summary>
        public void CheckKeysDeclared(JsonObject document, JsonNode objectSchema, string path, List<string> problems)
        {
            var declared = PropertiesOf(objectSchema);
            if (declared is null)
            {
                problems.Add($"{path}: the schema declares no object here.");
                return;
            }
            foreach (var (key, value) in document)
            {
                if (declared[key] is not { } propertySchema)
                {
                    problems.Add($"{path}.{key}: is in the file but not declared in {Name}.");
                    continue;
                }
                switch (value)
                {
                    case JsonObject child:
                        CheckKeysDeclared(child, propertySchema, $"{path}.{key}", problems);
                        break;
                    case JsonArray array when Keyword(propertySchema, "items") is { } items && ObjectBranch(items) is not null:
                        for (var i = 0; i < array.Count; i++)
                            if (array[i] is JsonObject element) CheckKeysDeclared(element, items, $"{path}.{key}[{i}]", problems);
                        break;
                }
            }
        }

        /// <summary>JSON equality with numbers compared by value (1e-6 == 1E-06 == 0.000001).</summary>
        public static bool SameValue(JsonNode? a, JsonNode? b)
        {
            if (a is null || b is null) return a is null && b is null;
            return (a, b) switch
            {
                (JsonArray x, JsonArray y) => x.Count == y.Count && x.Zip(y).All(p => SameValue(p.First, p.Second)),
                (JsonObject x, JsonObject y) => x.Count == y.Count && x.All(p => y.ContainsKey(p.Key) && SameValue(p.Value, y[p.Key])),
                (JsonValue x, JsonValue y) when x.GetValueKind() == JsonValueKind.Number && y.GetValueKind() == JsonValueKind.Number
                    => x.GetValue<double>() == y.GetValue<double>(),
                (JsonValue x, JsonValue y) => JsonNode.DeepEquals(x, y),
                _ => false,
            };
        }
    }
}
