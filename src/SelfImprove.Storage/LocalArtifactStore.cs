using System.Runtime.InteropServices;
using SelfImprove.Core.Ports;

namespace SelfImprove.Storage;

/// <summary>
/// Artefacts as files under one folder. Writes go to a temporary file first and are renamed (or linked) into place,
/// so a crash never leaves a half-written blob under its real name.
/// </summary>
public sealed partial class LocalArtifactStore : IArtifactStore
{
    private const string TempFolder = ".tmp";
    private readonly string root;

    public LocalArtifactStore(string rootDirectory)
    {
        root = Path.GetFullPath(rootDirectory);
        Directory.CreateDirectory(Path.Combine(root, TempFolder));
    }

    public string RootDirectory => root;

    public async Task<bool> TryCreateAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var target = PathOf(name);
        if (File.Exists(target)) return false;
        var temp = await WriteTempAsync(content, cancellationToken);
        try
        {
            return MoveIfAbsent(temp, target);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>
    /// Puts the file under its name unless one exists, atomically: of two writers racing for a name, exactly one wins.
    /// On Linux, <see cref="File.Move(string, string, bool)"/> without overwrite was seen to let two racing writers both
    /// win (the second silently replacing the first); link(2) fails with EEXIST instead, so it decides.
    /// </summary>
    private static bool MoveIfAbsent(string temp, string target)
    {
        if (OperatingSystem.IsWindows())
        {
            try
            {
                File.Move(temp, target, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(target))
            {
                return false;
            }
        }
        if (Link(temp, target) == 0) return true;
        var error = Marshal.GetLastPInvokeError();
        const int AlreadyExists = 17; // EEXIST on Linux and macOS
        return error == AlreadyExists
            ? false
            : throw new IOException($"Could not create '{target}': {Marshal.GetPInvokeErrorMessage(error)} (errno {error}).");
    }

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existingPath, string newPath);

    public async Task WriteAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var target = PathOf(name);
        var temp = await WriteTempAsync(content, cancellationToken);
        File.Move(temp, target, overwrite: true);
    }

    public async Task<byte[]?> ReadAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = PathOf(name);
        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var names = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(name => !name.StartsWith(TempFolder + "/", StringComparison.Ordinal))
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();
        return Task.FromResult<IReadOnlyList<string>>(names);
    }

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = PathOf(name);
        if (!File.Exists(path)) return Task.FromResult(false);
        File.Delete(path);
        return Task.FromResult(true);
    }

    private string PathOf(string name)
    {
        ArtifactNames.Check(name);
        var path = Path.Combine(root, name.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    private async Task<string> WriteTempAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var temp = Path.Combine(root, TempFolder, Path.GetRandomFileName());
        await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
        {
            await stream.WriteAsync(content, cancellationToken);
            await stream.FlushAsync(cancellationToken);
        }
        return temp;
    }
}
