using System.Diagnostics;
using System.Text;
using ChatBot.Inference.Native;
using LLama.Native;
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
internal sealed partial class LlamaEngine : IDisposable
{
    private readonly LlamaModel _model;
    private readonly LlamaEngineSettings _settings;
    private readonly ILogger _logger;
    private readonly SafeLLamaContextHandle _context;
    private readonly SafeGgmlThreadPoolHandle? _threadPool;
    private readonly LLamaBatch _batch = new();
    private readonly EngineSlot[] _slots;
    private readonly EngineAdmission _admission;
    private readonly Thread _thread;
    private volatile bool _stopping;

    public LlamaEngine(LlamaModel model, LlamaEngineSettings settings, ILogger logger)
    {
        _model = model;
        _logger = logger;
        (_context, _settings) = EngineContext.Create(model, settings, logger);
        _threadPool = SafeGgmlThreadPoolHandle.Create(_settings.Threads, _settings.ThreadPoolPoll);
        _threadPool?.AttachTo(_context);
        _slots = Enumerable.Range(1, _settings.Parallel).Select(seq => new EngineSlot(seq)).ToArray();
        _admission = new EngineAdmission(_slots, new PrefixCache(_context, _batch, _settings.BatchSize, logger), _settings);
        _thread = new Thread(Run) { IsBackground = true, Name = "llama-decode" };
        _thread.Start();
    }

    public LlamaModel Model => _model;

    public LlamaEngineSettings Settings => _settings;

    /// <summary>Requests being generated right now (for tests and metrics).</summary>
    public int Active => _admission.Active;

    /// <summary>KV cells the active sequences hold (each slot's position), for metrics.</summary>
    public int CellsInUse => _slots.Sum(s => s.Request is not null ? s.Position : 0);

    private void Run()
    {
        while (!_stopping)
        {
            try
            {
                var idle = Active == 0;
                _admission.Admit();
                if (Active == 0)
                {
                    _admission.WaitForWork();
                    continue;
                }

                if (idle)
                {
                    _admission.Gather(() => _stopping);
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

        _admission.CloseWaiting();
    }

    /// <summary>Queues a request for a free slot; it completes through its own channel.</summary>
    public GenerationRequest Submit(GenerationRequest request)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        _admission.Submit(request);
        return request;
    }

    private void Step()
    {
        _batch.Clear();
        var prompting = false;
        foreach (var slot in _slots)
        {
            slot.BatchIndex = -1;
            slot.Advance = 0;
            if (slot.Request is not null && slot.Generating)
            {
                slot.BatchIndex = _batch.Add(slot.LastToken, slot.Position, (LLamaSeqId)slot.Sequence, logits: true);
                slot.Advance = 1;
            }
        }

        // Prompt chunks fill what is left of the batch, in the order the requests were admitted. Sequential prefill
        // takes one prompt a step: a prompt's evaluation costs about the same alone or beside others (the machine is
        // compute-bound either way), so evaluating them one after another gives the first asker its first token
        // after its own prompt rather than after everyone's, and the last asker waits no longer than before.
        foreach (var slot in _slots.Where(s => s.Request is not null && !s.Generating).OrderBy(s => s.Admitted))
        {
            if (_batch.TokenCount >= _settings.BatchSize || (_settings.SequentialPrefill && prompting))
            {
                break;
            }

            var request = slot.Request!;
            var take = Math.Min(_settings.BatchSize - _batch.TokenCount, request.Prompt.Length - slot.Position);
            for (var k = 0; k < take; k++)
            {
                var position = slot.Position + k;
                var last = position == request.Prompt.Length - 1;
                var index = _batch.Add(request.Prompt[position], position, (LLamaSeqId)slot.Sequence, logits: last);
                if (last)
                {
                    slot.BatchIndex = index;
                }
            }

            slot.Advance = take;
            prompting = true;
        }

        var result = _context.Decode(_batch);
        if (result != DecodeResult.Ok)
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

    private int Sample(EngineSlot slot)
    {
        if (slot.Sampler is { } sampler)
        {
            return (int)sampler.Sample(_context, slot.BatchIndex);
        }

        return Samplers.Greedy(_context.GetLogitsIth(slot.BatchIndex));
    }

    private void Complete(EngineSlot slot, GenerationFinish finish, Exception? error)
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
        _context.MemorySequenceRemove((LLamaSeqId)slot.Sequence, -1, -1);
    }

    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        _admission.Wake();
        _thread.Join();
        foreach (var slot in _slots)
        {
            Complete(slot, GenerationFinish.Cancelled, null);
        }

        _context.Dispose();
        _threadPool?.Dispose();
        _admission.Dispose();
    }

    [LoggerMessage(EventId = 4102, Level = LogLevel.Error, Message = "The decode loop failed with {ErrorType}; the requests in flight were failed")]
    private static partial void LogLoopFault(ILogger logger, string errorType);
}
