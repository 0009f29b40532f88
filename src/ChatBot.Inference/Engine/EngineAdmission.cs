using System.Collections.Concurrent;
using System.Diagnostics;

namespace ChatBot.Inference.Engine;

/// <summary>
/// The line in front of the decode loop: requests wait in arrival order and take free slots between steps, starting
/// from the cached prefix. Submitting (any thread) wakes the loop; the loop's thread alone admits and waits.
/// </summary>
internal sealed class EngineAdmission(EngineSlot[] slots, PrefixCache prefixCache, LlamaEngineSettings settings) : IDisposable
{
    private readonly ConcurrentQueue<GenerationRequest> _pending = new();
    private readonly SemaphoreSlim _wake = new(0);
    private long _admissions;

    /// <summary>Requests being generated right now.</summary>
    public int Active => slots.Count(s => s.Request is not null);

    public void Submit(GenerationRequest request)
    {
        if (request.Prompt.Length == 0 || request.Prompt.Length >= settings.SequenceLimit)
        {
            throw new ArgumentException($"A prompt must have 1 to {settings.SequenceLimit - 1} tokens; it has {request.Prompt.Length}.", nameof(request));
        }

        // Wake the loop so a waiting request is admitted, or a cancelled one is noticed, without polling.
        request.WakeOnCancel = request.Cancellation.UnsafeRegister(static s => ((SemaphoreSlim)s!).Release(), _wake);
        _pending.Enqueue(request);
        _wake.Release();
    }

    /// <summary>Wakes the loop without a request (to stop it).</summary>
    public void Wake() => _wake.Release();

    /// <summary>Sleeps until a request is submitted or cancelled, or <see cref="Wake"/>.</summary>
    public void WaitForWork() => _wake.Wait();

    /// <summary>
    /// Waking from idle, waits a moment for companions before the first step: questions sent together arrive a few
    /// milliseconds apart, and without the wait the first is decoded alone while the others wait out its whole prompt.
    /// </summary>
    public void Gather(Func<bool> stopping)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(settings.GatherWindow.TotalSeconds * Stopwatch.Frequency);
        while (Active < slots.Length && !stopping())
        {
            var left = deadline - Stopwatch.GetTimestamp();
            if (left <= 0 || !_wake.Wait(TimeSpan.FromSeconds((double)left / Stopwatch.Frequency)))
            {
                return;
            }

            Admit();
        }
    }

    /// <summary>Gives each free slot the next request still wanted, its prompt's shared prefix copied in from the cache.</summary>
    public void Admit()
    {
        foreach (var slot in slots)
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

            var shared = prefixCache.CopyInto(slot.Sequence, request.Prefix, request.Prompt);
            slot.Start(request, shared, Samplers.Create(request.Sampling), ++_admissions);
            request.CachedPromptTokens = shared;
        }
    }

    /// <summary>Fails every request still waiting: the engine is gone.</summary>
    public void CloseWaiting()
    {
        while (_pending.TryDequeue(out var left))
        {
            left.Close(GenerationFinish.None, new ObjectDisposedException(nameof(LlamaEngine)));
        }
    }

    public void Dispose() => _wake.Dispose();
}
