using System.Diagnostics;

namespace ChatBot.Inference.Engine;

/// <summary>Admission: requests wait in arrival order and take free slots between steps, starting from the cached prefix.</summary>
internal sealed partial class LlamaEngine
{
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

    /// <summary>
    /// Waking from idle, waits a moment for companions before the first step: questions sent together arrive a few
    /// milliseconds apart, and without the wait the first is decoded alone while the others wait out its whole prompt.
    /// </summary>
    private void Gather()
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(_settings.GatherWindow.TotalSeconds * Stopwatch.Frequency);
        while (Active < _slots.Length && !_stopping)
        {
            var left = deadline - Stopwatch.GetTimestamp();
            if (left <= 0 || !_wake.Wait(TimeSpan.FromSeconds((double)left / Stopwatch.Frequency)))
            {
                return;
            }

            Admit();
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

            var shared = _prefixCache.CopyInto(slot.Sequence, request.Prefix, request.Prompt);
            slot.Start(request, shared, Samplers.Create(request.Sampling), ++_admissions);
            request.CachedPromptTokens = shared;
        }
    }
}
