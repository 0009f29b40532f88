using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace ChatBot.Core.AdminFiles;

/// <summary>
/// An admin-edited file under <c>config/</c>, parsed into <typeparamref name="T"/> and reloaded when it changes.
/// Invalid at start-up: start-up stops with the parser's message. Invalid at reload: the last good value stays
/// and the log says exactly what is wrong.
/// </summary>
public sealed partial class HotReloadedFile<T> : IDisposable where T : class
{
    private readonly string _path;
    private readonly Func<string, string, T> _parse;
    private readonly ILogger _logger;
    private readonly PhysicalFileProvider _files;
    private readonly IDisposable _subscription;
    private readonly SemaphoreSlim _reloading = new(1, 1);
    private readonly Action<AdminFileChange>? _changed;
    private T _current;
    private string _text;
    private long _version;

    /// <param name="parse">Text and source name → value; throws with a message a person can act on.</param>
    /// <param name="changed">Told of every edit after start, taken or refused (the audit trail's <c>admin</c> line).</param>
    public HotReloadedFile(string path, Func<string, string, T> parse, ILogger logger, Action<AdminFileChange>? changed = null)
    {
        _path = Path.GetFullPath(path);
        _parse = parse;
        _logger = logger;
        _changed = changed;
        if (!File.Exists(_path))
        {
            throw new InvalidOperationException($"{path} does not exist; it is an admin file the bot needs (see config/ in the repository).");
        }

        _text = File.ReadAllText(_path);
        _current = parse(_text, path);
        _files = new PhysicalFileProvider(Path.GetDirectoryName(_path)!);
        _subscription = ChangeToken.OnChange(() => _files.Watch(Path.GetFileName(_path)), () => _ = ReloadAsync());
    }

    public T Current => Volatile.Read(ref _current);

    /// <summary>Counts successful reloads, so tests and metrics can see a change take effect.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Reads, parses and swaps in the file; one reload at a time, so an older read never overwrites a newer.</summary>
    public async Task ReloadAsync()
    {
        await _reloading.WaitAsync();
        string? text = null;
        try
        {
            text = await ReadSettledAsync();
            if (text == _text)
            {
                return; // touched, not changed: nothing to reload or to audit
            }

            var value = _parse(text, _path);
            Volatile.Write(ref _current, value);
            Interlocked.Increment(ref _version);
            LogReloaded(_logger, _path);
            _changed?.Invoke(AdminFileChange.Between(_path, _text, text, problem: null));
            _text = text;
        }
        catch (Exception ex) when (ex is AdminFileException or IOException or UnauthorizedAccessException)
        {
            LogRejected(_logger, _path, ex.Message);
            _changed?.Invoke(AdminFileChange.Between(_path, _text, text ?? "", ex.Message));
        }
        finally
        {
            _reloading.Release();
        }
    }

    /// <summary>
    /// Editors and scripts write in steps (truncate, then write): a read in between sees an empty or half file, which
    /// may even parse (an empty word list is valid). So the file is read until two reads 50 ms apart agree — waiting
    /// asynchronously, never holding the file watcher's callback thread.
    /// </summary>
    private async Task<string> ReadSettledAsync()
    {
        var text = await File.ReadAllTextAsync(_path);
        for (var i = 0; i < 10; i++)
        {
            await Task.Delay(50);
            var again = await File.ReadAllTextAsync(_path);
            if (again == text)
            {
                break;
            }

            text = again;
        }

        return text;
    }

    public void Dispose()
    {
        _subscription.Dispose();
        _files.Dispose();
        _reloading.Dispose();
    }

    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Reloaded {Path}")]
    private static partial void LogReloaded(ILogger logger, string path);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Error, Message = "Kept the last good {Path}: the new version is invalid: {Problem}")]
    private static partial void LogRejected(ILogger logger, string path, string problem);
}

/// <summary>An admin file that does not parse; the message names the file, the entry and what is wrong.</summary>
public sealed class AdminFileException(string message) : Exception(message);
