using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using SelfImprove.Core.Ports;

namespace SelfImprove.Storage;

/// <summary>
/// Artefacts as files under one folder. Writes go to a temporary file first and are renamed (or linked) into place,
/// so a crash never leaves a half-written blob under its real name.
/// </summary>
/// <remarks>
/// Writes, deletes and the conditional operations of one name are serialised by a lock file (one of
/// <see cref="LockStripes"/> under <c>.locks/</c>, taken with an exclusive <c>flock</c> on Linux and macOS, an
/// exclusive share mode on Windows; .NET skips the <c>flock</c> when <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING</c> is set, which
/// leaves only the in-process lock), so they are atomic also between processes that share the folder. A blob's version
/// is its file's modification time (100 ns) and the SHA-256 of its content: every write renames a fresh file into place,
/// so two writes give two versions unless they write the same bytes within the file system's time resolution.
/// </remarks>
public sealed partial class LocalArtifactStore : IArtifactStore
{
    /// <summary>How many lock files guard the store's names (a name's lock is chosen by a hash of it).</summary>
    public const int LockStripes = 64;

    /// <summary>How long a write waits for its name's lock before it fails with an <see cref="IOException"/>.</summary>
    public static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    private const string TempFolder = ".tmp";
    private const string LockFolder = ".locks";
    private readonly string root;
    private readonly SemaphoreSlim[] stripes = Enumerable.Range(0, LockStripes).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    /// <summary>Opens (creating if needed) the store in <paramref name="rootDirectory"/>.</summary>
    public LocalArtifactStore(string rootDirectory)
    {
        root = Path.GetFullPath(rootDirectory);
        Directory.CreateDirectory(Path.Combine(root, TempFolder));
        Directory.CreateDirectory(Path.Combine(root, LockFolder));
    }

    /// <summary>The store's folder, as a full path.</summary>
    public string RootDirectory => root;

    public async Task<bool> TryCreateAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var target = PathOf(name, forWriting: true);
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
        var target = PathOf(name, forWriting: true);
        var temp = await WriteTempAsync(content, cancellationToken);
        try
        {
            using (await LockAsync(name, cancellationToken))
                File.Move(temp, target, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public async Task<byte[]?> ReadAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = PathOf(name, forWriting: false);
        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public async Task<VersionedContent?> ReadVersionedAsync(string name, CancellationToken cancellationToken = default) =>
        await ReadWithVersionAsync(PathOf(name, forWriting: false), cancellationToken);

    public async Task<string?> WriteIfVersionAsync(string name, ReadOnlyMemory<byte> content, string version, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        var target = PathOf(name, forWriting: true);
        var temp = await WriteTempAsync(content, cancellationToken);
        try
        {
            using (await LockAsync(name, cancellationToken))
            {
                if ((await ReadWithVersionAsync(target, cancellationToken))?.Version != version) return null;
                var written = VersionOf(File.GetLastWriteTimeUtc(temp), content.Span);
                File.Move(temp, target, overwrite: true);
                return written;
            }
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public async Task<bool> DeleteIfVersionAsync(string name, string version, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        var path = PathOf(name, forWriting: false);
        using (await LockAsync(name, cancellationToken))
        {
            if ((await ReadWithVersionAsync(path, cancellationToken))?.Version != version) return false;
            File.Delete(path);
            return true;
        }
    }

    /// <summary>
    /// Lists only the folder the prefix names (and, for a prefix that ends inside a name, only the entries of that
    /// folder that start with the rest), so the cost follows what is under the prefix, never the rest of the store.
    /// </summary>
    /// <exception cref="ArgumentException">The prefix's folder part is not an allowed name (e.g. contains <c>..</c>).</exception>
    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var slash = prefix.LastIndexOf('/');
        var folderPart = slash < 0 ? "" : prefix[..slash];
        var leaf = prefix[(slash + 1)..];
        if (folderPart.Length > 0) ArtifactNames.Check(folderPart);
        var folder = folderPart.Length == 0 ? root : Path.Combine(root, folderPart.Replace('/', Path.DirectorySeparatorChar));
        if (!Directory.Exists(folder)) return Task.FromResult<IReadOnlyList<string>>([]);

        var names = new List<string>();
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!entry.Name.StartsWith(leaf, StringComparison.Ordinal)) continue;
            if (folderPart.Length == 0 && entry.Name is TempFolder or LockFolder) continue;
            if (entry is DirectoryInfo directory)
                names.AddRange(directory.EnumerateFiles("*", SearchOption.AllDirectories).Select(NameOf));
            else
                names.Add(NameOf(entry));
        }
        names.Sort(StringComparer.Ordinal);
        return Task.FromResult<IReadOnlyList<string>>(names);
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = PathOf(name, forWriting: false);
        using (await LockAsync(name, cancellationToken))
        {
            if (!File.Exists(path)) return false;
            File.Delete(path);
            return true;
        }
    }

    private string NameOf(FileSystemInfo file) => Path.GetRelativePath(root, file.FullName).Replace(Path.DirectorySeparatorChar, '/');

    private string PathOf(string name, bool forWriting)
    {
        ArtifactNames.Check(name);
        var path = Path.Combine(root, name.Replace('/', Path.DirectorySeparatorChar));
        if (forWriting) Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    private static async Task<VersionedContent?> ReadWithVersionAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            // One open file: the content and the time belong to the same write, even if another replaces the name meanwhile.
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
            var content = new byte[RandomAccess.GetLength(handle)];
            var read = 0;
            while (read < content.Length)
            {
                var n = await RandomAccess.ReadAsync(handle, content.AsMemory(read), read, cancellationToken);
                if (n == 0) throw new IOException($"'{path}' became shorter while it was read.");
                read += n;
            }
            return new VersionedContent(content, VersionOf(File.GetLastWriteTimeUtc(handle), content));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static string VersionOf(DateTime modifiedUtc, ReadOnlySpan<byte> content) =>
        $"{modifiedUtc.Ticks:x}-{Convert.ToHexStringLower(SHA256.HashData(content))[..32]}";

    /// <summary>
    /// The name's lock: first within the process (a semaphore per stripe), then between processes (an exclusive lock on
    /// the stripe's file, retried until <see cref="LockTimeout"/>).
    /// </summary>
    private async Task<IDisposable> LockAsync(string name, CancellationToken cancellationToken)
    {
        var stripe = (int)(BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(name))) % LockStripes);
        var path = Path.Combine(root, LockFolder, $"{stripe:D2}.lock");
        var started = Stopwatch.GetTimestamp();
        if (!await stripes[stripe].WaitAsync(LockTimeout, cancellationToken))
            throw new IOException($"Could not lock '{name}' in the store at '{root}' within {LockTimeout.TotalSeconds:0} s: another write of this process holds it.");
        try
        {
            var delay = 1;
            while (true)
            {
                try
                {
                    return new Held(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1), stripes[stripe]);
                }
                catch (IOException) when (Stopwatch.GetElapsedTime(started) < LockTimeout)
                {
                    // Held by another process: wait and try again.
                    await Task.Delay(delay, cancellationToken);
                    delay = Math.Min(delay * 2, 20);
                }
                catch (IOException ex)
                {
                    throw new IOException($"Could not lock '{name}' in the store at '{root}' within {LockTimeout.TotalSeconds:0} s ({path}): {ex.Message}", ex);
                }
            }
        }
        catch
        {
            stripes[stripe].Release();
            throw;
        }
    }

    private sealed class Held(FileStream file, SemaphoreSlim semaphore) : IDisposable
    {
        public void Dispose()
        {
            file.Dispose();
            semaphore.Release();
        }
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
