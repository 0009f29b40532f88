using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using ChatBot.Inference.Native;
using Microsoft.Extensions.Logging;

namespace ChatBot.Inference.Engine;

/// <summary>
/// Continuous batching over one llama.cpp context: up to <c>Parallel</c> requests share one decode loop, each
/// <c>llama_decode</c> carrying one token for every generating sequence plus prompt chunks of newcomers, who
/// join between steps. Sequence 0 holds the shared system prefix, decoded once and copied into each new
/// sequence with <c>llama_memory_seq_cp</c>. One dedicated thread owns the context; it sleeps when idle.
/// <para>
/// Each sequence has its own KV stream (<c>kv_unified = false</c>). In a unified cache a sequence's cells sit
/// wherever its neighbours left room, so its attention sums run in a different SIMD order from one run to the
/// next and greedy answers drift with load; in its own stream, with the prefix copied to the same cells every
/// time, a sequence computes the same numbers whoever else is decoding.
/// </para>
/// </summary>
internal sealed unsafe partial class LlamaEngine : IDisposable
{
    private const int PrefixSequence = 0;
    private readonly LlamaModel _model;
    private readonly LlamaEngineSettings _settings;
    private readonly ILogger _logger;
    private readonly SafeLlamaContextHandle _context;
    private readonly nint _memory;
    private readonly SafeLlamaBatchHandle _batch;
    private readonly Slot[] _slots;
    private readonly ConcurrentQueue<GenerationRequest> _pending = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _thread;
    private int[] _prefix = [];
    private int _roundRobin;
    private volatile bool _stopping;

    public LlamaEngine(LlamaModel model, LlamaEngineSettings settings, ILogger logger)
    {
        _model = model;
        _settings = settings;
        _logger = logger;
        var parameters = LlamaNative.llama_context_default_params();
        parameters.n_ctx = (uint)settings.TotalCells;
        parameters.n_batch = (uint)settings.BatchSize;
        parameters.n_ubatch = (uint)settings.BatchSize;
        parameters.n_seq_max = (uint)settings.Parallel + 1;
        parameters.n_threads = settings.Threads;
        parameters.n_threads_batch = settings.Threads;
        parameters.no_perf = 1;
        parameters.kv_unified = 0;
        var context = LlamaNative.llama_init_from_model(model.Handle, parameters);
        if (context == 0)
        {
            throw new InvalidOperationException($"llama.cpp could not create a context of {settings.Parallel + 1} × {settings.ContextSize} tokens (Inference:ParallelSequences, Inference:ContextSize) for '{model.Path}'.");
        }

        _context = SafeLlamaContextHandle.From(context);
        _memory = LlamaNative.llama_get_memory(context);
        _batch = SafeLlamaBatchHandle.Create(settings.BatchSize, 1);
        _slots = Enumerable.Range(1, settings.Parallel).Select(seq => new Slot(seq)).ToArray();
        _thread = new Thread(Run) { IsBackground = true, Name = "llama-decode" };
        _thread.Start();
    }

    public LlamaModel Model => _model;

    public LlamaEngineSettings Settings => _settings;

    /// <summary>Requests being generated right now (for tests and metrics).</summary>
    public int Active => _slots.Count(s => s.Request is not null);

    /// <summary>KV cells the active sequences hold (each slot's position), for metrics.</summary>
    public int CellsInUse => _slots.Sum(s => s.Request is not null ? s.Position : 0);

    public GenerationRequest Submit(GenerationRequest request)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        if (request.Prompt.Length == 0 || request.Prompt.Length >= _settings.SequenceLimit)
        {
            throw new ArgumentException($"A prompt must have 1 to {_settings.SequenceLimit - 1} tokens; it has {request.Prompt.Length}.", nameof(request));
        }

        // Wake the loop so a waiting request is admitted, or a cancelled one is noticed, without polling.
        request.WakeOnCancel = request.Cancellation.UnsafeRegister(static s => ((SemaphoreSlim)s!).Release(), _wake);
        _pending.Enqueue(request);
        _wake.Release();
        return request;
    }

    private void Run()
    {
        while (!_stopping)
        {
            try
            {
                Admit();
                if (Active == 0)
                {
                    _wake.Wait();
                    continue;
                }

                Step();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogLoopFault(_logger, ex.GetType().Name);
                foreach (var slot in _slots.Where(s => s.Request is not null))
                {
                    Complete(slot, GenerationFinish.None, ex);
                }
            }
        }

        while (_pending.TryDequeue(out var left))
        {
            left.Close(GenerationFinish.None, new ObjectDisposedException(nameof(LlamaEngine)));
        }
    }

    private void Admit()
    {
        foreach (var slot in _slots)
        {
            if (slot.Request is not null)
            {
                continue;
            }

            GenerationRequest? request;
            while (_pending.TryDequeue(out request) && request.Cancellation.IsCancellationRequested)
            {
                request.Close(GenerationFinish.Cancelled, null);
            }

            if (request is null)
            {
                return;
            }

            if (request.Prefix is { Length: > 0 } prefix && !prefix.AsSpan().SequenceEqual(_prefix))
            {
                CachePrefix(prefix);
            }

            // Across streams llama.cpp copies whole buffers (partial copies are not supported): take the full
            // prefix, then cut it back to what this prompt really shares. The copy also resets the slot's stream,
            // so its cells start at the same index on every request.
            LlamaNative.llama_memory_seq_cp(_memory, PrefixSequence, slot.Sequence, -1, -1);
            var shared = Math.Min(CommonPrefix(_prefix, request.Prompt), request.Prompt.Length - 1);
            if (shared < _prefix.Length)
            {
                LlamaNative.llama_memory_seq_rm(_memory, slot.Sequence, shared, -1);
            }

            slot.Start(request, shared, Samplers.Create(request.Sampling, _model.VocabSize));
            request.CachedPromptTokens = shared;
        }
    }

    private void Step()
    {
        var batch = _batch.Batch;
        batch->n_tokens = 0;
        foreach (var slot in _slots)
        {
            slot.BatchIndex = -1;
            slot.Advance = 0;
            if (slot.Request is not null && slot.Generating)
            {
                slot.BatchIndex = Add(slot.LastToken, slot.Position, slot.Sequence, output: true);
                slot.Advance = 1;
            }
        }

        // Prompt chunks fill what is left of the batch, starting from a rotating slot so no newcomer starves.
        for (var i = 0; i < _slots.Length && batch->n_tokens < _batch.Capacity; i++)
        {
            var slot = _slots[(_roundRobin + i) % _slots.Length];
            if (slot.Request is not { } request || slot.Generating)
            {
                continue;
            }

            var take = Math.Min(_batch.Capacity - batch->n_tokens, request.Prompt.Length - slot.Position);
            for (var k = 0; k < take; k++)
            {
                var position = slot.Position + k;
                var last = position == request.Prompt.Length - 1;
                var index = Add(request.Prompt[position], position, slot.Sequence, output: last);
                if (last)
                {
                    slot.BatchIndex = index;
                }
            }

            slot.Advance = take;
        }

        _roundRobin = (_roundRobin + 1) % _slots.Length;
        var result = LlamaNative.llama_decode(_context.DangerousGetHandle(), *batch);
        if (result != 0)
        {
            // 1: no room in the KV cache for this batch. The sequences in it fail; the others go on.
            var error = new InvalidOperationException($"llama_decode returned {result}: a sequence is full (Inference:ContextSize = {_settings.ContextSize}).");
            foreach (var slot in _slots.Where(s => s.Advance > 0))
            {
                Complete(slot, GenerationFinish.None, error);
            }

            return;
        }

        foreach (var slot in _slots)
        {
            if (slot.Request is not { } request || slot.Advance == 0)
            {
                continue;
            }

            slot.Position += slot.Advance;
            if (slot.BatchIndex < 0)
            {
                continue;
            }

            var token = Sample(slot);
            request.TimeToFirstToken ??= Stopwatch.GetElapsedTime(request.SubmittedAt);
            if (!request.IgnoreEndOfGeneration && _model.IsEndOfGeneration(token))
            {
                Complete(slot, GenerationFinish.Stop, null);
                continue;
            }

            slot.Emit(_model, token);
            if (request.GeneratedTokens >= request.MaxTokens || slot.Position + 1 >= _settings.SequenceLimit)
            {
                Complete(slot, GenerationFinish.Length, null);
            }
        }

        foreach (var slot in _slots)
        {
            if (slot.Request is { Cancellation.IsCancellationRequested: true })
            {
                Complete(slot, GenerationFinish.Cancelled, null);
            }
        }
    }

    private int Sample(Slot slot)
    {
        var context = _context.DangerousGetHandle();
        if (slot.Sampler is { } sampler)
        {
            return LlamaNative.llama_sampler_sample(sampler.DangerousGetHandle(), context, slot.BatchIndex);
        }

        var logits = LlamaNative.llama_get_logits_ith(context, slot.BatchIndex);
        if (logits == null)
        {
            throw new InvalidOperationException($"llama.cpp has no logits for batch row {slot.BatchIndex}.");
        }

        return Samplers.Greedy(new ReadOnlySpan<float>(logits, _model.VocabSize));
    }

    private int Add(int token, int position, int sequence, bool output)
    {
        var batch = _batch.Batch;
        var i = batch->n_tokens++;
        batch->token[i] = token;
        batch->pos[i] = position;
        batch->n_seq_id[i] = 1;
        batch->seq_id[i][0] = sequence;
        batch->logits[i] = output ? (sbyte)1 : (sbyte)0;
        return i;
    }

    private void CachePrefix(int[] prefix)
    {
        var started = Stopwatch.GetTimestamp();
        LlamaNative.llama_memory_seq_rm(_memory, PrefixSequence, -1, -1);
        _prefix = [];
        var batch = _batch.Batch;
        for (var offset = 0; offset < prefix.Length; offset += _batch.Capacity)
        {
            batch->n_tokens = 0;
            var end = Math.Min(prefix.Length, offset + _batch.Capacity);
            for (var p = offset; p < end; p++)
            {
                Add(prefix[p], p, PrefixSequence, output: false);
            }

            if (LlamaNative.llama_decode(_context.DangerousGetHandle(), *batch) != 0)
            {
                LlamaNative.llama_memory_seq_rm(_memory, PrefixSequence, -1, -1);
                LogPrefixFailed(_logger, prefix.Length);
                return;
            }
        }

        _prefix = prefix;
        LogPrefixCached(_logger, prefix.Length, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private void Complete(Slot slot, GenerationFinish finish, Exception? error)
    {
        if (slot.Request is not { } request)
        {
            return;
        }

        slot.Flush();
        request.Close(finish, error);
        slot.Sampler?.Dispose();
        slot.Request = null;
        slot.Sampler = null;
        LlamaNative.llama_memory_seq_rm(_memory, slot.Sequence, -1, -1);
    }

    private static int CommonPrefix(int[] a, int[] b)
    {
        var n = Math.Min(a.Length, b.Length);
        var i = 0;
        while (i < n && a[i] == b[i])
        {
            i++;
        }

        return i;
    }

    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        _wake.Release();
        _thread.Join();
        foreach (var slot in _slots)
        {
            Complete(slot, GenerationFinish.Cancelled, null);
        }

        _batch.Dispose();
        _context.Dispose();
        _wake.Dispose();
    }

    [LoggerMessage(EventId = 4100, Level = LogLevel.Debug, Message = "Shared prefix of {Tokens} tokens cached in {ElapsedMs:F0} ms")]
    private static partial void LogPrefixCached(ILogger logger, int tokens, double elapsedMs);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Shared prefix of {Tokens} tokens did not fit the context; requests evaluate it themselves")]
    private static partial void LogPrefixFailed(ILogger logger, int tokens);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Error, Message = "The decode loop failed with {ErrorType}; the requests in flight were failed")]
    private static partial void LogLoopFault(ILogger logger, string errorType);

    /// <summary>One sequence of the context and the request it is serving.</summary>
    private sealed class Slot(int sequence)
    {
        private readonly Decoder _utf8 = Encoding.UTF8.GetDecoder();
        private readonly byte[] _piece = new byte[256];
        private readonly char[] _chars = new char[512];

        public int Sequence { get; } = sequence;

        public GenerationRequest? Request { get; set; }

        public SafeLlamaSamplerHandle? Sampler { get; set; }

        /// <summary>The next free position of this sequence.</summary>
        public int Position { get; set; }

        public int LastToken { get; private set; }

        public bool Generating { get; private set; }

        public int BatchIndex { get; set; } = -1;

        public int Advance { get; set; }

        public void Start(GenerationRequest request, int cachedTokens, SafeLlamaSamplerHandle? sampler)
        {
            Request = request;
            Sampler = sampler;
            Position = cachedTokens;
            Generating = false;
            _utf8.Reset();
        }

        /// <summary>Writes the token's text; a multi-byte character split across tokens waits for its rest.</summary>
        public void Emit(LlamaModel model, int token)
        {
            var request = Request!;
            request.GeneratedTokens++;
            LastToken = token;
            Generating = true;
            var length = model.Piece(token, _piece);
            var count = _utf8.GetChars(_piece, 0, length, _chars, 0, flush: false);
            if (count > 0)
            {
                request.Writer.TryWrite(new string(_chars, 0, count));
            }
        }

        public void Flush()
        {
            var count = _utf8.GetChars([], 0, 0, _chars, 0, flush: true);
            if (count > 0)
            {
                Request?.Writer.TryWrite(new string(_chars, 0, count));
            }
        }
    }
}
