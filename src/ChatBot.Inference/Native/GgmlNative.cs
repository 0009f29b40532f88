using System.Runtime.InteropServices;

namespace ChatBot.Inference.Native;

/// <summary>
/// The functions the engine and the model forge need that LLamaSharp 0.30.0 does not bind, or binds wrongly: the
/// persistent CPU thread pool (<c>llama_attach_threadpool</c>, a "todo" in its NativeApi), ggml's GGUF writer, and
/// <c>llama_model_meta_val_str</c> (LLamaSharp's <c>MetadataValueByKey</c> passes the key without its terminating
/// zero, so a lookup reads past it and fails at random). They are bound against the files LLamaSharp loaded
/// (<see cref="Bind"/>), never a second copy.
/// </summary>
internal static unsafe partial class GgmlNative
{
    private const string Llama = "llama";
    private const string Ggml = "ggml";
    private const string GgmlBase = "ggml-base";
    private const int GgmlMaxThreads = 512;
    private const int GgmlBackendDeviceTypeCpu = 0;
    private static int _bound;

    /// <summary>Resolves this assembly's imports to the libraries in <paramref name="directory"/>; once per process.</summary>
    public static void Bind(string directory)
    {
        if (Interlocked.Exchange(ref _bound, 1) == 1)
        {
            return;
        }

        NativeLibrary.SetDllImportResolver(typeof(GgmlNative).Assembly, (name, _, _) =>
            name is Llama or Ggml or GgmlBase && NativeLibrary.TryLoad(Path.Combine(directory, LlamaLibrary.FileName(name)), out var handle) ? handle : 0);

        // A custom build with dynamically loaded backends (GGML_BACKEND_DL, Inference:NativeLibraryPath) registers no
        // CPU device until its plugins are loaded from the library folder.
        if (ggml_backend_dev_count() == 0)
        {
            ggml_backend_load_all_from_path(directory);
        }
    }

    [LibraryImport(Ggml)] private static partial nuint ggml_backend_dev_count();
    [LibraryImport(Ggml, StringMarshalling = StringMarshalling.Utf8)] private static partial void ggml_backend_load_all_from_path(string dirPath);

    // the persistent CPU thread pool, as llama-bench and llama-server attach: ggml_threadpool_new lives in the CPU
    // backend, so it is found through the backend registry, not imported by name.
    [LibraryImport(GgmlBase)] private static partial void ggml_threadpool_params_init(ggml_threadpool_params* parameters, int threads);
    [LibraryImport(Ggml)] private static partial nint ggml_backend_dev_by_type(int type);
    [LibraryImport(Ggml)] private static partial nint ggml_backend_dev_backend_reg(nint device);
    [LibraryImport(Ggml, StringMarshalling = StringMarshalling.Utf8)] private static partial nint ggml_backend_reg_get_proc_address(nint reg, string name);
    [LibraryImport(Llama)] public static partial void llama_attach_threadpool(nint context, nint threadpool, nint threadpoolBatch);
    [LibraryImport(Llama, StringMarshalling = StringMarshalling.Utf8)] public static partial int llama_model_meta_val_str(nint model, string key, byte* buffer, nuint bufferSize);

    /// <summary>A new pool (<c>ggml_threadpool_new</c>) and its destructor (<c>ggml_threadpool_free</c>), or zeros when the CPU backend offers none.</summary>
    public static nint CreateThreadPool(int threads, int poll, out nint free)
    {
        free = 0;
        var device = ggml_backend_dev_by_type(GgmlBackendDeviceTypeCpu);
        var registry = device == 0 ? 0 : ggml_backend_dev_backend_reg(device);
        if (registry == 0)
        {
            return 0;
        }

        var create = (delegate* unmanaged<ggml_threadpool_params*, nint>)ggml_backend_reg_get_proc_address(registry, "ggml_threadpool_new");
        free = ggml_backend_reg_get_proc_address(registry, "ggml_threadpool_free");
        if (create == null || free == 0)
        {
            return 0;
        }

        ggml_threadpool_params parameters;
        ggml_threadpool_params_init(&parameters, threads);
        parameters.poll = (uint)poll;
        return create(&parameters);
    }

    // GGUF writing, for the model forge (ggml-base)
    [LibraryImport(GgmlBase)] public static partial nint gguf_init_empty();
    [LibraryImport(GgmlBase, StringMarshalling = StringMarshalling.Utf8)] public static partial nint gguf_init_from_file(string path, gguf_init_params parameters);
    [LibraryImport(GgmlBase)] public static partial void gguf_free(nint gguf);
    [LibraryImport(GgmlBase)] public static partial void gguf_set_kv(nint gguf, nint source);
    [LibraryImport(GgmlBase, StringMarshalling = StringMarshalling.Utf8)] public static partial long gguf_find_key(nint gguf, string key);
    [LibraryImport(GgmlBase)] public static partial nuint gguf_get_arr_n(nint gguf, long keyId);
    [LibraryImport(GgmlBase, StringMarshalling = StringMarshalling.Utf8)] public static partial void gguf_set_val_str(nint gguf, string key, string value);
    [LibraryImport(GgmlBase, StringMarshalling = StringMarshalling.Utf8)] public static partial void gguf_set_val_u32(nint gguf, string key, uint value);
    [LibraryImport(GgmlBase, StringMarshalling = StringMarshalling.Utf8)] public static partial void gguf_set_val_f32(nint gguf, string key, float value);
    [LibraryImport(GgmlBase)] public static partial void gguf_add_tensor(nint gguf, nint tensor);
    [LibraryImport(GgmlBase, StringMarshalling = StringMarshalling.Utf8)] [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool gguf_write_to_file(nint gguf, string path, [MarshalAs(UnmanagedType.U1)] bool onlyMeta);
    [LibraryImport(GgmlBase)] public static partial nint ggml_init(ggml_init_params parameters);
    [LibraryImport(GgmlBase)] public static partial void ggml_free(nint context);
    [LibraryImport(GgmlBase)] public static partial nint ggml_new_tensor_1d(nint context, int type, long ne0);
    [LibraryImport(GgmlBase)] public static partial nint ggml_new_tensor_2d(nint context, int type, long ne0, long ne1);
    [LibraryImport(GgmlBase, StringMarshalling = StringMarshalling.Utf8)] public static partial nint ggml_set_name(nint tensor, string name);
    [LibraryImport(GgmlBase)] public static partial void* ggml_get_data(nint tensor);

    // ggml's structs under their C names, so NativeLayoutTests can compare them with the header. C bool is one byte,
    // enums four.
#pragma warning disable CA1707, IDE1006, SA1300 // C names on purpose
    [StructLayout(LayoutKind.Sequential)]
    public struct ggml_threadpool_params
    {
        public fixed byte cpumask[GgmlMaxThreads];
        public int n_threads;
        public int prio;
        public uint poll;
        public byte strict_cpu;
        public byte paused;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct gguf_init_params
    {
        public byte no_alloc;
        public nint ctx;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct ggml_init_params
    {
        public nuint mem_size;
        public nint mem_buffer;
        public byte no_alloc;
    }
#pragma warning restore CA1707, IDE1006, SA1300
}
