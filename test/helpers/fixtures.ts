/** Request pieces several test files build sessions from. */

/** A web recording's extension service (the page to record), as the seeds' examples give it. */
export const WEB_RECORDER_SERVICE = {
  extensionServiceConfig: {
    errorHandlePolicy: 'error_abort',
    extensionServices: [
      {
        serviceName: 'web_recorder_service',
        errorHandlePolicy: 'error_abort',
        serviceParam: { url: 'https://example.com/lesson', audioProfile: 0, videoWidth: 1280, videoHeight: 720, maxRecordingHour: 2 },
      },
    ],
  },
};
