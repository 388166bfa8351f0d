using System;
using System.Runtime.InteropServices;

namespace OpenConnectors.Native
{
    // The exports of libopenconnectors that this package uses: every operation goes through
    // oc_call or oc_call_async by name, so there is one declaration per mechanism, not one per
    // operation. Every string crosses as NUL-terminated UTF-8 (see Utf8): requests as byte[],
    // which the marshaller pins for the call without copying, results as an IntPtr that the
    // package frees with oc_string_free. The runtime's own string marshalling is never used, as
    // its default encoding differs between .NET Framework, .NET and Mono.
    //
    // "openconnectors" resolves to libopenconnectors.so / libopenconnectors.dylib /
    // openconnectors.dll: on .NET from the package's runtimes/<rid>/native/ folder, on Mono
    // through the dynamic linker (LD_LIBRARY_PATH) or a <dllmap> in OpenConnectors.dll.config.
    internal static class NativeMethods
    {
        private const string Lib = "openconnectors";

        // void (*oc_callback)(void *user_data, oc_status status, char *response_json): runs once
        // per oc_call_async on a library thread and owns response_json.
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void CallCallback(IntPtr userData, uint status, IntPtr responseJson);

        // void (*oc_log_callback)(void *user_data, uint32_t level, const char *record_json):
        // record_json is borrowed for the call.
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void LogCallback(IntPtr userData, uint level, IntPtr recordJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr oc_version();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr oc_status_name(uint status);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint oc_client_new(byte[] configJson, out ClientHandle client, out IntPtr errorJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void oc_client_free(IntPtr client);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint oc_call(IntPtr client, byte[] operation, byte[] requestJson, IntPtr cancel, out IntPtr responseJson);

        // callback is the pointer of one static CallCallback, made once (see AsyncCall).
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint oc_call_async(IntPtr client, byte[] operation, byte[] requestJson, IntPtr cancel, IntPtr callback, IntPtr userData);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint oc_cancel_new(out IntPtr cancel);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void oc_cancel_trigger(IntPtr cancel);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void oc_cancel_free(IntPtr cancel);

        // callback is the pointer of one static LogCallback, made once (see Logger).
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint oc_set_logger(IntPtr callback, IntPtr userData, uint maxLevel);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void oc_string_free(IntPtr s);
    }
}
