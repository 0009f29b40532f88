using System.Diagnostics;
using ChatBot.Core.AdminFiles;
using ChatBot.Core.Knowledge.Access;
using ChatBot.Knowledge;
using ChatBot.Knowledge.Documents;
using ChatBot.Knowledge.Search;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace ChatBot.Core.Knowledge;

/// <summary>
/// The company's documents as one searchable index. Built at start; rebuilt in the background when a file in the
/// folder changes, while the last good index keeps serving; a file that cannot be read is skipped, named in the
/// log with the reason, and the rest keep working. The index holds documents only — never a question.
/// </summary>
public sealed partial class KnowledgeBase : IDisposable
{
    private readonly string _folder;
    private readonly HotReloadedFile<Glossary>? _glossary;
    private readonly ILogger _logger;
    private readonly PhysicalFileProvider? _files;
    private readonly IDisposable? _watch;
    private readonly SemaphoreSlim _rebuild = new(1, 1);
    private readonly Lexicon _lexicon;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _embedder;
    private readonly Action<AdminFileChange>? _changed;
    private string _accessText;
    private KnowledgeIndex _index;
    private long _version;

    /// <param name="embedder">An embedding model (<c>Knowledge:EmbeddingModelPath</c>), or null: dense retrieval off.</param>
    /// <param name="changed">Told of every edit of the access rules (access.json) after start, taken or refused.</param>
    /// <param name="thesaurusFile">Chinese synonym groups (<c>Knowledge:ThesaurusFile</c>); empty for none.</param>
    public KnowledgeBase(string folder, HotReloadedFile<Glossary>? glossary, ILogger logger, string? lexiconFile = null,
        IEmbeddingGenerator<string, Embedding<float>>? embedder = null, Action<AdminFileChange>? changed = null, string? thesaurusFile = null)
    {
        _folder = Path.GetFullPath(folder);
        _glossary = glossary;
        _logger = logger;
        _embedder = embedder;
        _changed = changed;
        _accessText = AccessText(_folder);
        _lexicon = LoadLexicon(lexiconFile ?? Lexicon.DefaultFile, logger).With(LoadThesaurus(thesaurusFile ?? Thesaurus.DefaultFile, logger));
        _index = Build(_folder, logger, out _, _lexicon, embedder);
        if (Directory.Exists(_folder))
        {
            _files = new PhysicalFileProvider(_folder);
            _watch = ChangeToken.OnChange(() => _files.Watch("**/*"), () => _ = RebuildAsync());
        }
    }

    public KnowledgeIndex Index => Volatile.Read(ref _index);

    public Glossary Glossary => _glossary?.Current ?? Glossary.Empty;

    /// <summary>Counts successful builds, so tests can see an edit take effect.</summary>
    public long Version => Interlocked.Read(ref _version);

    public bool IsEmpty => Index.Chunks.Count == 0;

    public KnowledgeSearchResult Find(string question, int top, Func<Chunk, bool> allowed, GroundingThresholds? thresholds = null)
    {
        var index = Index;
        var vector = _embedder is not null && index.Vectors is not null ? Embed(_embedder, [question])[0] : null;
        return KnowledgeSearch.Find(index, Glossary, question, top, allowed, thresholds, vector);
    }

    // The embedder is in-process and synchronous underneath: its task is complete when it returns.
    private static float[][] Embed(IEmbeddingGenerator<string, Embedding<float>> embedder, IEnumerable<string> texts) =>
        embedder.GenerateAsync(texts).GetAwaiter().GetResult().Select(e => e.Vector.ToArray()).ToArray();

    /// <summary>
    /// Reads every document under <paramref name="folder"/> into a new index; unreadable files are listed, not fatal.
    /// A broken access file is: it throws (<see cref="AdminFileException"/>), so no index is built without its rules.
    /// </summary>
    public static KnowledgeIndex Build(string folder, ILogger logger, out IReadOnlyList<(string File, string Reason)> skipped, Lexicon? lexicon = null,
        IEmbeddingGenerator<string, Embedding<float>>? embedder = null)
    {
        var started = Stopwatch.GetTimestamp();
        var access = Directory.Exists(folder) ? AccessFile.Load(folder) : AccessFile.None;
        var chunks = new List<Chunk>();
        var problems = new List<(string, string)>();
        // Hidden entries are no documents: a Kubernetes ConfigMap volume holds each file twice more under its
        // "..data" and "..<timestamp>" folders (the visible names are links into them), and ".git" is history.
        var files = Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(f => DocumentReader.Extensions.Contains(Path.GetExtension(f)) && !Path.GetFileName(f).StartsWith('~')
                    && !Path.GetRelativePath(folder, f).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];
        var relatives = files.Select(file => Path.GetRelativePath(folder, file).Replace('\\', '/')).ToList();
        foreach (var relative in relatives)
        {
            try
            {
                var parsed = DocumentReader.Read(Path.Combine(folder, relative));
                chunks.AddRange(Chunker.Split(relative, parsed with { Access = parsed.Access.And(access.For(relative)) }));
            }
            catch (Exception ex) when (ex is DocumentException or IOException or UnauthorizedAccessException)
            {
                problems.Add((relative, ex.Message));
                LogSkipped(logger, relative, ex.Message);
            }
        }

        foreach (var rule in access.Unmatched(relatives))
        {
            LogAccessRuleUnmatched(logger, rule);
        }

        skipped = problems;
        float[][]? vectors = null;
        if (embedder is not null && chunks.Count > 0)
        {
            var embedding = Stopwatch.GetTimestamp();
            vectors = Embed(embedder, chunks.Select(c => c.SearchText));
            LogEmbedded(logger, chunks.Count, vectors[0].Length, Stopwatch.GetElapsedTime(embedding).TotalMilliseconds);
        }

        var index = new KnowledgeIndex(chunks, lexicon, vectors: vectors);
        LogBuilt(logger, files.Count - problems.Count, chunks.Count, problems.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return index;
    }

    private static string AccessText(string folder)
    {
        var path = Path.Combine(folder, AccessFile.FileName);
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>
    /// The dictionary behind typo and English matching (<see cref="Lexicon"/>). Without it search still works, on
    /// characters and the glossary alone, so a missing file is a warning that says how to get it, not a failure.
    /// </summary>
    public static Lexicon LoadLexicon(string file, ILogger logger)
    {
        if (!File.Exists(file))
        {
            LogNoLexicon(logger, file);
            return Lexicon.Empty;
        }

        try
        {
            var started = Stopwatch.GetTimestamp();
            var lexicon = Lexicon.Load(file);
            LogLexicon(logger, file, lexicon.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return lexicon;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            LogLexiconUnreadable(logger, file, ex.Message);
            return Lexicon.Empty;
        }
    }

    /// <summary>
    /// The synonym groups behind everyday words (<see cref="Thesaurus"/>). Like the dictionary, a help and not a
    /// need: missing or unreadable, it is a warning that says how to get it; an empty setting turns it off quietly.
    /// </summary>
    public static Thesaurus LoadThesaurus(string file, ILogger logger)
    {
        if (file.Length == 0)
        {
            return Thesaurus.Empty;
        }

        if (!File.Exists(file))
        {
            LogNoThesaurus(logger, file);
            return Thesaurus.Empty;
        }

        try
        {
            var thesaurus = Thesaurus.Load(file);
            LogThesaurus(logger, file, thesaurus.Count);
            return thesaurus;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            LogThesaurusUnreadable(logger, file, ex.Message);
            return Thesaurus.Empty;
        }
    }

    public async Task RebuildAsync()
    {
        // Edits come in bursts (a save writes several events): one rebuild after they settle.
        await Task.Delay(300);
        if (!await _rebuild.WaitAsync(0))
        {
            return;
        }

        var access = AccessText(_folder);
        try
        {
            var fresh = Build(_folder, _logger, out _, _lexicon, _embedder);
            if (access != _accessText)
            {
                _changed?.Invoke(AdminFileChange.Between(Path.Combine(_folder, AccessFile.FileName), _accessText, access, problem: null));
                _accessText = access;
            }

            var old = Interlocked.Exchange(ref _index, fresh);
            Interlocked.Increment(ref _version);
            // Searches already running on the old index finish first; it is small and collected with them.
            _ = Task.Delay(TimeSpan.FromSeconds(10)).ContinueWith(_ => old.Dispose(), TaskScheduler.Default);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRebuildFailed(_logger, ex.GetType().Name, ex.Message);
            if (ex is AdminFileException && access != _accessText)
            {
                _changed?.Invoke(AdminFileChange.Between(Path.Combine(_folder, AccessFile.FileName), _accessText, access, ex.Message));
            }
        }
        finally
        {
            _rebuild.Release();
        }
    }

    public void Dispose()
    {
        _watch?.Dispose();
        _files?.Dispose();
        Index.Dispose();
        _rebuild.Dispose();
    }

    [LoggerMessage(EventId = 1500, Level = LogLevel.Information, Message = "Knowledge indexed: {Documents} documents, {Chunks} passages, {Skipped} skipped, in {ElapsedMs:F0} ms")]
    private static partial void LogBuilt(ILogger logger, int documents, int chunks, int skipped, double elapsedMs);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Warning, Message = "Knowledge document {File} skipped: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string file, string reason);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Warning, Message = "Knowledge access rule \"{Rule}\" covers no document: check its path (a misspelt rule leaves the document it meant open)")]
    private static partial void LogAccessRuleUnmatched(ILogger logger, string rule);

    [LoggerMessage(EventId = 1510, Level = LogLevel.Warning, Message = "Knowledge lexicon {File} not found: typo, English and traditional-character matching are off (run scripts/lexicon, or set Knowledge:LexiconFile)")]
    private static partial void LogNoLexicon(ILogger logger, string file);

    [LoggerMessage(EventId = 1511, Level = LogLevel.Information, Message = "Knowledge lexicon {File}: {Words} words in {ElapsedMs:F0} ms")]
    private static partial void LogLexicon(ILogger logger, string file, int words, double elapsedMs);

    [LoggerMessage(EventId = 1512, Level = LogLevel.Warning, Message = "Knowledge lexicon {File} unreadable ({Problem}): typo, English and traditional-character matching are off (run scripts/lexicon again)")]
    private static partial void LogLexiconUnreadable(ILogger logger, string file, string problem);

    [LoggerMessage(EventId = 1514, Level = LogLevel.Warning, Message = "Knowledge thesaurus {File} not found: everyday words are bridged by the dictionary and the glossary only (run scripts/lexicon, or set Knowledge:ThesaurusFile; empty for none)")]
    private static partial void LogNoThesaurus(ILogger logger, string file);

    [LoggerMessage(EventId = 1515, Level = LogLevel.Information, Message = "Knowledge thesaurus {File}: {Groups} synonym groups")]
    private static partial void LogThesaurus(ILogger logger, string file, int groups);

    [LoggerMessage(EventId = 1516, Level = LogLevel.Warning, Message = "Knowledge thesaurus {File} unreadable ({Problem}): everyday words are bridged by the dictionary and the glossary only (run scripts/lexicon again)")]
    private static partial void LogThesaurusUnreadable(ILogger logger, string file, string problem);

    [LoggerMessage(EventId = 1513, Level = LogLevel.Information, Message = "Knowledge passages embedded for dense retrieval: {Passages} of {Dimensions} dimensions in {ElapsedMs:F0} ms")]
    private static partial void LogEmbedded(ILogger logger, int passages, int dimensions, double elapsedMs);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Error, Message = "Knowledge rebuild failed ({ErrorType}: {Problem}); the last good index stays in service")]
    private static partial void LogRebuildFailed(ILogger logger, string errorType, string problem);
}
