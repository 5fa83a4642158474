using System.Text.RegularExpressions;
using System.Xml.Linq;
using SelfImprove.Testing;

namespace SelfImprove.Infra.Tests;

/// <summary>
/// src/SelfImprove.Cli.Gpu/Dockerfile, read as text (no image can be built here): what it copies from the build context
/// (the repository root) exists, and what it publishes is the GPU worker project whose executable the entry point runs.
/// </summary>
public sealed partial class WorkerDockerfileTests
{
    private static readonly string Dockerfile = Path.Combine(RepositoryPaths.Root, "src", "SelfImprove.Cli.Gpu", "Dockerfile");
    private static readonly string[] Lines = File.ReadAllLines(Dockerfile);

    [Fact]
    public void Every_path_the_image_copies_from_the_repository_exists()
    {
        var sources = Lines.Select(l => Copy().Match(l)).Where(m => m.Success)
            .SelectMany(m => m.Groups["args"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipLast(1))
            .ToArray();

        Assert.NotEmpty(sources);
        Assert.All(sources, source =>
        {
            var path = Path.Combine(RepositoryPaths.Root, source.TrimEnd('/'));
            Assert.True(File.Exists(path) || Directory.Exists(path), $"the Dockerfile copies '{source}', which is not in the repository");
        });
    }

    [Fact]
    public void The_image_publishes_the_gpu_worker_project_and_runs_its_executable()
    {
        var publish = Assert.Single(Lines, l => l.Contains("dotnet publish", StringComparison.Ordinal));
        var project = Regex.Match(publish, @"dotnet publish (\S+\.csproj)").Groups[1].Value;
        var projectPath = Path.Combine(RepositoryPaths.Root, project);
        Assert.True(File.Exists(projectPath), $"the Dockerfile publishes '{project}', which does not exist");

        var csproj = XDocument.Load(projectPath);
        Assert.Contains(csproj.Descendants("PackageReference"), p => p.Attribute("Include")?.Value == "Microsoft.ML.OnnxRuntime.Gpu.Linux");
        var assembly = csproj.Descendants("AssemblyName").Single().Value;
        Assert.Contains(Lines, l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal) && l.Contains($"/app/{assembly}\"", StringComparison.Ordinal));
        // The runtime stage has the CUDA major version ONNX Runtime's CUDA provider links (libcudart.so.13) and cuDNN.
        Assert.Contains(Lines, l => l.StartsWith("FROM nvidia/cuda:13.", StringComparison.Ordinal) && l.Contains("cudnn", StringComparison.Ordinal));
    }

    /// <summary>A COPY from the build context (not <c>--from</c> another stage).</summary>
    [GeneratedRegex(@"^COPY\s+(?!--from)(?<args>.+)$")]
    private static partial Regex Copy();
}
