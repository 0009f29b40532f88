using System.Runtime.InteropServices;

namespace ChatBot.Inference.Native;

internal sealed class SafeLlamaModelHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    public static SafeLlamaModelHandle From(nint pointer)
    {
        var safe = new SafeLlamaModelHandle();
        safe.SetHandle(pointer);
        return safe;
    }

    protected override bool ReleaseHandle()
    {
        LlamaNative.llama_model_free(handle);
        return true;
    }
}

internal sealed class SafeLlamaContextHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    public static SafeLlamaContextHandle From(nint pointer)
    {
        var safe = new SafeLlamaContextHandle();
        safe.SetHandle(pointer);
        return safe;
    }

    protected override bool ReleaseHandle()
    {
        LlamaNative.llama_free(handle);
        return true;
    }
}

internal sealed class SafeLlamaSamplerHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    public static SafeLlamaSamplerHandle From(nint pointer)
    {
        var safe = new SafeLlamaSamplerHandle();
        safe.SetHandle(pointer);
        return safe;
    }

    protected override bool ReleaseHandle()
    {
        LlamaNative.llama_sampler_free(handle);
        return true;
    }
}

/// <summary>
/// A <c>llama_batch</c> from <c>llama_batch_init</c>, kept in native memory so it can live in a SafeHandle.
/// <c>llama_batch_init</c> leaves the arrays uninitialised: every field of every used row is set before decode.
/// </summary>
internal sealed unsafe class SafeLlamaBatchHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    public int Capacity { get; private init; }

    public llama_batch* Batch => (llama_batch*)handle;

    public static SafeLlamaBatchHandle Create(int capacity, int maxSequencesPerToken)
    {
        var batch = (llama_batch*)NativeMemory.Alloc((nuint)sizeof(llama_batch));
        *batch = LlamaNative.llama_batch_init(capacity, 0, maxSequencesPerToken);
        var safe = new SafeLlamaBatchHandle { Capacity = capacity };
        safe.SetHandle((nint)batch);
        return safe;
    }

    public void Clear() => Batch->n_tokens = 0;

    /// <summary>Appends one token of one sequence; returns its row (for its logits when <paramref name="output"/>).</summary>
    public int Add(int token, int position, int sequence, bool output)
    {
        var batch = Batch;
        var i = batch->n_tokens++;
        batch->token[i] = token;
        batch->pos[i] = position;
        batch->n_seq_id[i] = 1;
        batch->seq_id[i][0] = sequence;
        batch->logits[i] = output ? (sbyte)1 : (sbyte)0;
        return i;
    }

    protected override bool ReleaseHandle()
    {
        LlamaNative.llama_batch_free(*(llama_batch*)handle);
        NativeMemory.Free((void*)handle);
        return true;
    }
}

/// <summary>
/// A persistent ggml CPU thread pool (<c>ggml_threadpool_new</c>), as llama-bench and llama-server attach to their
/// contexts: without one, every <c>llama_decode</c> starts and joins its worker threads anew. The two functions are
/// taken from the CPU backend plugin the loader picked for this CPU, through the backend registry.
/// </summary>
internal sealed unsafe class SafeGgmlThreadPoolHandle : SafeHandle
{
    private readonly delegate* unmanaged<nint, void> _free;

    private SafeGgmlThreadPoolHandle(nint pool, delegate* unmanaged<nint, void> free)
        : base(0, ownsHandle: true)
    {
        _free = free;
        SetHandle(pool);
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>A pool of <paramref name="threads"/> (the caller's thread counts as one), or null when the CPU backend offers none.</summary>
    /// <param name="poll">How hard idle workers poll for the next graph: 0 sleeps at once, 50 is llama.cpp's default, 100 spins hardest.</param>
    public static SafeGgmlThreadPoolHandle? Create(int threads, int poll = 50)
    {
        var device = LlamaNative.ggml_backend_dev_by_type(LlamaNative.GgmlBackendDeviceTypeCpu);
        var registry = device == 0 ? 0 : LlamaNative.ggml_backend_dev_backend_reg(device);
        if (registry == 0)
        {
            return null;
        }

        var create = (delegate* unmanaged<ggml_threadpool_params*, nint>)LlamaNative.ggml_backend_reg_get_proc_address(registry, "ggml_threadpool_new");
        var free = (delegate* unmanaged<nint, void>)LlamaNative.ggml_backend_reg_get_proc_address(registry, "ggml_threadpool_free");
        if (create == null || free == null)
        {
            return null;
        }

        ggml_threadpool_params parameters;
        LlamaNative.ggml_threadpool_params_init(&parameters, threads);

        parameters.poll = (uint)poll;
        var pool = create(&parameters);
        return pool == 0 ? null : new SafeGgmlThreadPoolHandle(pool, free);
    }

    protected override bool ReleaseHandle()
    {
        _free(handle);
        return true;
    }
}
