/* replay_main.h - the -DTN_FUZZ_MAIN driver shared by the fuzz targets: run
   LLVMFuzzerTestOneInput on every file named, then fuzz_done() (the target's
   cleanup), and print "N passed, 0 failed". A crash or sanitizer report is
   the failure. AFL++ uses the same driver with one file. */
int main(int argc, char **argv) {
    int i, n = 0;
    for (i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        long len;
        uint8_t *buf;
        if (!f) { fprintf(stderr, "cannot open %s\n", argv[i]); return 1; }
        fseek(f, 0, SEEK_END);
        len = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = (uint8_t *)malloc((size_t)len + 1);
        if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) { fclose(f); free(buf); return 1; }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, (size_t)len);
        free(buf);
        n++;
    }
    fuzz_done();
    printf("%d passed, 0 failed\n", n);
    return 0;
}
