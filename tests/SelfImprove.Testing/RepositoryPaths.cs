namespace SelfImprove.Testing;

/// <summary>Paths of files the repository ships (manifests, constitutions), found from the test's working folder.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Workflows => Path.Combine(Root, "workflows");

    public static string SupportRouterManifest => Path.Combine(Workflows, "support-router.agent.json");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SelfImprove.sln"))) return dir.FullName;
        throw new InvalidOperationException($"SelfImprove.sln not found above {AppContext.BaseDirectory}.");
    }
}
