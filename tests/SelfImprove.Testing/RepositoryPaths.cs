namespace SelfImprove.Testing;

/// <summary>Paths of files the repository ships (manifests, constitutions), found from the test's working folder.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Workflows => Path.Combine(Root, "workflows");

    public static string SupportRouterManifest => Path.Combine(Workflows, "support-router.agent.json");

    /// <summary>Above the running binary (tests), else above the working folder (tools run from the repository).</summary>
    private static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "SelfImprove.sln"))) return dir.FullName;
        throw new InvalidOperationException($"SelfImprove.sln not found above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}.");
    }
}
